/**
 * OSM PBF decoding: BlobHeader, Blob (zlib / raw / lz4 / zstd), OSMHeader and PrimitiveBlock.
 *
 * Pure functions, used by the worker threads and by the main thread (workers: 0). Structural
 * parsing uses the `pbf` package as a cursor; the packed arrays (ids, coordinates, refs, tags)
 * are decoded by hand-written loops straight into typed arrays sized exactly from the block in a
 * first counting pass, so decoding allocates a fixed handful of arrays per block, not per element.
 *
 * The output of a block is a `WireBatch`: typed arrays plus the block's string table, with tags
 * and roles as indexes into that table. It crosses the thread boundary with its typed arrays
 * transferred; `materialize` turns it into the public `OsmBatch` on the consumer's side.
 *
 * Every problem with the bytes throws `PbfFormatError` with a short reason; the reader adds the
 * file name, block index and byte offset.
 *
 * Format reference: https://wiki.openstreetmap.org/wiki/PBF_Format (fileformat.proto, osmformat.proto).
 */
import Pbf from 'pbf';
import * as zlib from 'node:zlib';
import type { MemberType, OsmBatch, OsmHeader, Relation, RelationMember } from './types.js';

/** Bad bytes in a PBF structure; the message is a short reason without location, `中文 / English`. */
export class PbfFormatError extends Error {
  override name = 'PbfFormatError';
}

export const MAX_BLOB_HEADER_SIZE = 64 * 1024;
export const MAX_BLOB_SIZE = 32 * 1024 * 1024;

/** Required features this decoder understands. */
export const SUPPORTED_REQUIRED_FEATURES: readonly string[] = [
  'OsmSchema-V0.6',
  'DenseNodes',
  'Sort.Type_then_ID',
  'Sort.Geographic',
  'LocationsOnWays', // the extra way lat/lon are ignored; refs are still there
];

function fail(zh: string, en: string): never {
  throw new PbfFormatError(`${zh} / ${en}`);
}

// ---------------------------------------------------------------------------------------------
// Structural helpers over a Pbf cursor, with bounds checks.

// Field keys are written as numbers, (field << 3) | wire type, with the pair in a comment:
// module-level constants would cost a context load and TDZ check in the hot switches.

function key(p: Pbf, end: number): number {
  const k = p.readVarint();
  if (p.pos > end) fail('字段键不完整', 'truncated field key');
  return k;
}

function uvarint(p: Pbf, end: number): number {
  const v = p.readVarint();
  if (p.pos > end) fail('varint 不完整', 'truncated varint');
  return v;
}

/** int64 with two's complement negatives. */
function svarint64(p: Pbf, end: number): number {
  const v = p.readVarint(true);
  if (p.pos > end) fail('varint 不完整', 'truncated varint');
  return v;
}

/** zigzag sint64 */
function zvarint(p: Pbf, end: number): number {
  const v = p.readVarint();
  if (p.pos > end) fail('varint 不完整', 'truncated varint');
  return v % 2 === 1 ? (v + 1) / -2 : v / 2;
}

/** Reads the length of a length-delimited field and returns its end; p.pos is at its start. */
function lenEnd(p: Pbf, end: number): number {
  const n = p.readVarint();
  const e = p.pos + n;
  if (p.pos > end || n < 0 || e > end) fail('长度前缀字段超出了所在消息的末尾', 'length-delimited field runs past the end of its message');
  return e;
}

function str(p: Pbf, end: number): string {
  const e = lenEnd(p, end);
  const s = p.pos < e ? utf8.decode(p.buf.subarray(p.pos, e)) : '';
  p.pos = e;
  return s;
}

function skip(p: Pbf, k: number, end: number): void {
  switch (k & 7) {
    case 0: // varint
      uvarint(p, end);
      return;
    case 1: // 64-bit
      p.pos += 8;
      break;
    case 2: // length-delimited
      p.pos = lenEnd(p, end);
      return;
    case 5: // 32-bit
      p.pos += 4;
      break;
    default:
      fail(`不支持的 protobuf 编码类型（wire type）${k & 7}（字段 ${k >>> 3}）`, `unsupported protobuf wire type ${k & 7} (field ${k >>> 3})`);
  }
  if (p.pos > end) fail('字段不完整', 'truncated field');
}

function expectLen(k: number, what: string): void {
  if ((k & 7) !== 2) fail(`${what}：应为长度前缀（packed）字段，实为编码类型 ${k & 7}`, `${what}: expected a length-delimited (packed) field, got wire type ${k & 7}`);
}

const utf8 = new TextDecoder('utf-8');

// ---------------------------------------------------------------------------------------------
// fileformat.proto

export interface BlobHeader {
  type: string;
  datasize: number;
}

export function decodeBlobHeader(buf: Uint8Array): BlobHeader {
  const p = new Pbf(buf);
  const end = buf.length;
  let type: string | undefined;
  let datasize = -1;
  while (p.pos < end) {
    const k = key(p, end);
    if (k === 10 /* 1:LEN */) type = str(p, end);
    else if (k === 24 /* 3:VARINT */) datasize = uvarint(p, end);
    else skip(p, k, end);
  }
  if (type === undefined) fail('BlobHeader 缺少 type', 'BlobHeader has no type');
  if (datasize < 0) fail('BlobHeader 缺少 datasize', 'BlobHeader has no datasize');
  return { type, datasize };
}

type Zstd = (buf: Uint8Array, opts?: { maxOutputLength?: number }) => Buffer;

/** Returns the uncompressed content of a Blob message. */
export function decodeBlob(buf: Uint8Array): Uint8Array {
  const p = new Pbf(buf);
  const end = buf.length;
  let rawSize = -1;
  let kind = 0;
  let ds = 0;
  let de = 0;
  while (p.pos < end) {
    const k = key(p, end);
    const field = k >>> 3;
    if (field === 2 && (k & 7) === 0) {
      rawSize = uvarint(p, end);
    } else if (field >= 1 && field <= 7 && field !== 2 && (k & 7) === 2) {
      de = lenEnd(p, end);
      ds = p.pos;
      kind = field;
      p.pos = de;
    } else skip(p, k, end);
  }
  if (rawSize > MAX_BLOB_SIZE) fail(`Blob 的 raw_size ${rawSize} 超过 32 MiB 上限`, `Blob raw_size ${rawSize} exceeds the 32 MiB limit`);
  const data = buf.subarray(ds, de);
  let res: Uint8Array;
  switch (kind) {
    case 1:
      res = data;
      break;
    case 3:
      try {
        res = zlib.inflateSync(data, {
          chunkSize: rawSize >= 0 ? Math.max(1024, rawSize + 64) : 256 * 1024,
          maxOutputLength: MAX_BLOB_SIZE,
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        fail(`zlib 数据损坏（${err.code ?? 'error'}: ${err.message}）`, `bad zlib data (${err.code ?? 'error'}: ${err.message})`);
      }
      break;
    case 4:
      fail('不支持 LZMA 压缩的数据块（可先转换：osmium cat -f pbf,pbf_compression=zlib）', 'LZMA-compressed blobs are not supported (convert with: osmium cat -f pbf,pbf_compression=zlib)');
    case 5:
      fail('bzip2 压缩的数据块已废弃，不受支持', 'bzip2-compressed blobs are obsolete and not supported');
    case 6:
      if (rawSize < 0) fail('lz4 数据块缺少 raw_size', 'lz4 blob without raw_size');
      res = lz4Block(data, rawSize);
      break;
    case 7: {
      const zstd = (zlib as unknown as { zstdDecompressSync?: Zstd }).zstdDecompressSync;
      if (!zstd) fail(`zstd 压缩的数据块需要 Node.js >= 22.15（当前为 ${process.version}）；或先转换：osmium cat -f pbf,pbf_compression=zlib`,
        `zstd-compressed blobs need Node.js >= 22.15 (this is ${process.version}); or convert with: osmium cat -f pbf,pbf_compression=zlib`);
      try {
        res = zstd(data, { maxOutputLength: MAX_BLOB_SIZE });
      } catch (e) {
        fail(`zstd 数据损坏（${(e as Error).message}）`, `bad zstd data (${(e as Error).message})`);
      }
      break;
    }
    default:
      fail('Blob 没有数据', 'Blob has no data');
  }
  if (rawSize >= 0 && res.length !== rawSize) fail(`解压后大小 ${res.length} 与 raw_size ${rawSize} 不符`, `uncompressed size ${res.length} differs from raw_size ${rawSize}`);
  return res;
}

/** LZ4 block format (as written by libosmium: LZ4_compress_default). */
export function lz4Block(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const n = src.length;
  let i = 0;
  let o = 0;
  for (;;) {
    if (i >= n) fail('lz4 数据损坏：不完整', 'bad lz4 data: truncated');
    const token = src[i++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b;
      do {
        if (i >= n) fail('lz4 数据损坏：字面量长度不完整', 'bad lz4 data: truncated literal length');
        b = src[i++];
        lit += b;
      } while (b === 255);
    }
    if (i + lit > n || o + lit > size) fail('lz4 数据损坏：字面量越界', 'bad lz4 data: literal run out of bounds');
    out.set(src.subarray(i, i + lit), o);
    i += lit;
    o += lit;
    if (i === n) break; // the last sequence has literals only
    if (i + 2 > n) fail('lz4 数据损坏：偏移量不完整', 'bad lz4 data: truncated offset');
    const off = src[i] | (src[i + 1] << 8);
    i += 2;
    if (off === 0 || off > o) fail('lz4 数据损坏：匹配偏移越界', 'bad lz4 data: match offset out of bounds');
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b;
      do {
        if (i >= n) fail('lz4 数据损坏：匹配长度不完整', 'bad lz4 data: truncated match length');
        b = src[i++];
        len += b;
      } while (b === 255);
    }
    if (o + len > size) fail('lz4 数据损坏：匹配超出 raw_size', 'bad lz4 data: match runs past raw_size');
    let from = o - off;
    if (off >= len) {
      out.copyWithin(o, from, from + len);
      o += len;
    } else {
      for (const stop = o + len; o < stop; ) out[o++] = out[from++];
    }
  }
  if (o !== size) fail(`lz4 数据损坏：解压得到 ${o} 字节，raw_size 为 ${size}`, `bad lz4 data: decompressed ${o} bytes, raw_size says ${size}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// OSMHeader

function isoSeconds(s: number): string {
  const d = new Date(s * 1000);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toISOString().replace('.000Z', 'Z');
}

export function decodeHeaderBlock(buf: Uint8Array): OsmHeader {
  const p = new Pbf(buf);
  const end = buf.length;
  const h: OsmHeader = { requiredFeatures: [], optionalFeatures: [] };
  while (p.pos < end) {
    const k = key(p, end);
    switch (k) {
      case 10 /* 1:LEN */: {
        const e = lenEnd(p, end);
        let left = NaN;
        let right = NaN;
        let top = NaN;
        let bottom = NaN;
        while (p.pos < e) {
          const kb = key(p, e);
          if (kb === 8 /* 1:VARINT */) left = zvarint(p, e);
          else if (kb === 16 /* 2:VARINT */) right = zvarint(p, e);
          else if (kb === 24 /* 3:VARINT */) top = zvarint(p, e);
          else if (kb === 32 /* 4:VARINT */) bottom = zvarint(p, e);
          else skip(p, kb, e);
        }
        if (p.pos !== e) fail('HeaderBBox 格式错误', 'malformed HeaderBBox');
        if ([left, right, top, bottom].some(Number.isNaN)) fail('HeaderBBox 缺少 left/right/top/bottom 之一', 'HeaderBBox lacks one of left/right/top/bottom');
        h.bbox = [left / 1e9, bottom / 1e9, right / 1e9, top / 1e9];
        break;
      }
      case 34 /* 4:LEN */:
        h.requiredFeatures.push(str(p, end));
        break;
      case 42 /* 5:LEN */:
        h.optionalFeatures.push(str(p, end));
        break;
      case 130 /* 16:LEN */:
        h.generator = str(p, end);
        break;
      case 256 /* 32:VARINT */:
        h.timestamp = isoSeconds(svarint64(p, end));
        break;
      case 264 /* 33:VARINT */:
        h.replicationSequence = svarint64(p, end);
        break;
      default:
        skip(p, k, end);
    }
  }
  if (p.pos !== end) fail('HeaderBlock 格式错误', 'malformed HeaderBlock');
  return h;
}

/** The required features of a header that this decoder does not understand. */
export function unsupportedFeatures(h: OsmHeader): string[] {
  return h.requiredFeatures.filter((f) => !SUPPORTED_REQUIRED_FEATURES.includes(f));
}

// ---------------------------------------------------------------------------------------------
// PrimitiveBlock

/** A decoded block with typed arrays (transferable) and tags/roles as string-table indexes. */
export interface WireBatch {
  strings: string[];
  nodeCount: number;
  nodeId: Float64Array;
  nodeLon: Float64Array;
  nodeLat: Float64Array;
  nodeTagOffset: Uint32Array;
  nodeTags: Uint32Array; // key, value string indexes, pairwise
  wayCount: number;
  wayId: Float64Array;
  wayRefOffset: Uint32Array;
  wayRefs: Float64Array;
  wayTagOffset: Uint32Array;
  wayTags: Uint32Array;
  relCount: number;
  relId: Float64Array;
  relMemberOffset: Uint32Array;
  relMemberRef: Float64Array;
  relMemberType: Uint8Array;
  relMemberRole: Uint32Array;
  relTagOffset: Uint32Array;
  relTags: Uint32Array;
}

export function wireTransferList(w: WireBatch): ArrayBuffer[] {
  return [
    w.nodeId,
    w.nodeLon,
    w.nodeLat,
    w.nodeTagOffset,
    w.nodeTags,
    w.wayId,
    w.wayRefOffset,
    w.wayRefs,
    w.wayTagOffset,
    w.wayTags,
    w.relId,
    w.relMemberOffset,
    w.relMemberRef,
    w.relMemberType,
    w.relMemberRole,
    w.relTagOffset,
    w.relTags,
  ].map((a) => a.buffer as ArrayBuffer);
}

/** Counts and output cursors of the block being decoded (module-level: no per-block allocation). */
const C = {
  nodes: 0,
  nodeTags: 0,
  ways: 0,
  wayRefs: 0,
  wayTags: 0,
  rels: 0,
  members: 0,
  relTags: 0,
};
let nStrings = 0;
let gran = 100;
let latOff = 0;
let lonOff = 0;
let out: WireBatch;

/** Number of varints in a packed field; checks that the last one ends at `e`. */
function countVarints(buf: Uint8Array, s: number, e: number): number {
  let cont = 0;
  for (let i = s; i < e; i++) cont += buf[i] >>> 7;
  if (e > s && buf[e - 1] >= 0x80) fail('packed 字段在一个 varint 中间结束', 'packed field ends inside a varint');
  return e - s - cont;
}

/** Position after the last varint read by `slowVarint`. */
let sp = 0;
/** Rest of a varint longer than 4 bytes; `v` holds the low 28 bits, `pos` the 5th byte. */
function slowVarint(buf: Uint8Array, pos: number, v: number): number {
  let mul = 268435456; // 2^28
  let b: number;
  let n = 4;
  do {
    b = buf[pos++];
    v += (b & 0x7f) * mul;
    mul *= 128;
  } while (b >= 0x80 && ++n < 10);
  if (b >= 0x80) fail('varint 超过 10 字节', 'varint longer than 10 bytes');
  sp = pos;
  return v;
}

/** Last value decoded by `unpackDelta`. */
let dAcc = 0;
/**
 * Packed sint64 deltas → absolute values, written to dst[o...] (starting from `acc`).
 * Returns the count; the last value is left in `dAcc`.
 */
function unpackDelta(buf: Uint8Array, s: number, e: number, dst: Float64Array, o: number, acc: number): number {
  let pos = s;
  const o0 = o;
  while (pos < e) {
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++];
      v |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++];
        v |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++];
          v |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            v = slowVarint(buf, pos, v);
            pos = sp;
            acc += v % 2 === 1 ? (v + 1) / -2 : v / 2;
            dst[o++] = acc;
            continue;
          }
        }
      }
    }
    acc += (v >>> 1) ^ -(v & 1);
    dst[o++] = acc;
  }
  if (pos !== e) fail('packed 字段在一个 varint 中间结束', 'packed field ends inside a varint');
  dAcc = acc;
  return o - o0;
}

/** Packed sint64 coordinate deltas → degrees: (offset + granularity * value) / 1e9. Returns the count. */
function unpackCoords(buf: Uint8Array, s: number, e: number, dst: Float64Array, o: number, off: number): number {
  let pos = s;
  const o0 = o;
  let acc = 0;
  const g = gran;
  const simple = off === 0 && g === 100;
  while (pos < e) {
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++];
      v |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++];
        v |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++];
          v |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            v = slowVarint(buf, pos, v);
            pos = sp;
            acc += v % 2 === 1 ? (v + 1) / -2 : v / 2;
            dst[o++] = simple ? acc / 1e7 : (off + g * acc) / 1e9;
            continue;
          }
        }
      }
    }
    acc += (v >>> 1) ^ -(v & 1);
    // Division, not multiplication by 1e-7: gives the double nearest to the decimal value,
    // the same number that parsing the XML text would give.
    dst[o++] = simple ? acc / 1e7 : (off + g * acc) / 1e9;
  }
  if (pos !== e) fail('packed 字段在一个 varint 中间结束', 'packed field ends inside a varint');
  return o - o0;
}

/** Packed uint32/int32 string indexes → dst[o], dst[o + stride], ...; returns the count. */
function unpackSids(buf: Uint8Array, s: number, e: number, dst: Uint32Array, o: number, stride: number): number {
  let pos = s;
  let i = o;
  const ns = nStrings;
  while (pos < e) {
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++];
      v |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++];
        v |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++];
          v |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            v = slowVarint(buf, pos, v);
            pos = sp;
          }
        }
      }
    }
    if (v >= ns) fail(`字符串索引 ${v} 越界（字符串表只有 ${ns} 项）`, `string index ${v} out of range (string table has ${ns})`);
    dst[i] = v;
    i += stride;
  }
  if (pos !== e) fail('packed 字段在一个 varint 中间结束', 'packed field ends inside a varint');
  return (i - o) / stride;
}

function decodeStringTable(buf: Uint8Array, s: number, e: number): string[] {
  const p = new Pbf(buf);
  p.pos = s;
  // pass 1: count strings and bytes, look for NUL bytes
  let n = 0;
  let bytes = 0;
  let nul = false;
  while (p.pos < e) {
    const k = key(p, e);
    if (k !== 10 /* 1:LEN */) {
      skip(p, k, e);
      continue;
    }
    const se = lenEnd(p, e);
    for (let i = p.pos; i < se; i++) {
      if (buf[i] === 0) {
        nul = true;
        break;
      }
    }
    bytes += se - p.pos;
    n++;
    p.pos = se;
  }
  if (n === 0) return [];
  const table = new Array<string>(n);
  p.pos = s;
  if (nul) {
    // rare: a string with a NUL byte; decode one by one
    let j = 0;
    while (p.pos < e) {
      const k = key(p, e);
      if (k !== 10 /* 1:LEN */) skip(p, k, e);
      else table[j++] = str(p, e);
    }
    return table;
  }
  // common: join all strings with NUL separators, decode once, split
  const need = bytes + n;
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, scratch.length * 2));
  const sc = scratch;
  let o = 0;
  while (p.pos < e) {
    const k = key(p, e);
    if (k !== 10 /* 1:LEN */) {
      skip(p, k, e);
      continue;
    }
    const se = lenEnd(p, e);
    for (let i = p.pos; i < se; i++) sc[o++] = buf[i];
    sc[o++] = 0;
    p.pos = se;
  }
  const parts = utf8.decode(sc.subarray(0, o - 1)).split('\0');
  if (parts.length !== n) fail('字符串表解码结果不一致', 'string table decoding mismatch');
  return parts;
}
let scratch = new Uint8Array(64 * 1024);

// --- pass 1: counting -------------------------------------------------------------------------

function countNode(p: Pbf, e: number): void {
  const buf = p.buf;
  let nk = 0;
  let have = 0;
  while (p.pos < e) {
    const k = key(p, e);
    const f = k >>> 3;
    if (f === 2 || f === 3) {
      expectLen(k, 'Node keys/vals');
      const fe = lenEnd(p, e);
      if (f === 2) nk += countVarints(buf, p.pos, fe);
      p.pos = fe;
    } else {
      if (k === 8 /* 1:VARINT */) have |= 1;
      else if (k === 64 /* 8:VARINT */) have |= 2;
      else if (k === 72 /* 9:VARINT */) have |= 4;
      skip(p, k, e);
    }
  }
  if (have !== 7) fail('Node 缺少 id、lat 或 lon', 'Node without id, lat or lon');
  C.nodes++;
  C.nodeTags += nk;
}

function countDense(p: Pbf, e: number): void {
  const buf = p.buf;
  let n = 0;
  let nkv = 0;
  while (p.pos < e) {
    const k = key(p, e);
    const f = k >>> 3;
    if (f === 1 || f === 8 || f === 9 || f === 10) {
      expectLen(k, 'DenseNodes');
      const fe = lenEnd(p, e);
      if (f === 1) n += countVarints(buf, p.pos, fe);
      else if (f === 10) nkv += countVarints(buf, p.pos, fe);
      p.pos = fe;
    } else skip(p, k, e);
  }
  if (nkv > 0) {
    const pairs2 = nkv - n;
    if (pairs2 < 0 || pairs2 % 2 !== 0) fail('DenseNodes 的 keys_vals 格式错误', 'DenseNodes keys_vals is malformed');
    C.nodeTags += pairs2 / 2;
  }
  C.nodes += n;
}

function countWay(p: Pbf, e: number): void {
  const buf = p.buf;
  let nk = 0;
  let hasId = false;
  while (p.pos < e) {
    const k = key(p, e);
    const f = k >>> 3;
    if (f === 2 || f === 3 || f === 8) {
      expectLen(k, 'Way keys/vals/refs');
      const fe = lenEnd(p, e);
      if (f === 2) nk += countVarints(buf, p.pos, fe);
      else if (f === 8) C.wayRefs += countVarints(buf, p.pos, fe);
      p.pos = fe;
    } else {
      if (k === 8 /* 1:VARINT */) hasId = true;
      skip(p, k, e);
    }
  }
  if (!hasId) fail('Way 缺少 id', 'Way without id');
  C.ways++;
  C.wayTags += nk;
}

function countRelation(p: Pbf, e: number): void {
  const buf = p.buf;
  let nk = 0;
  let nm = 0;
  let hasId = false;
  while (p.pos < e) {
    const k = key(p, e);
    const f = k >>> 3;
    if (f === 2 || f === 3 || f === 8 || f === 9 || f === 10) {
      expectLen(k, 'Relation keys/vals/roles/memids/types');
      const fe = lenEnd(p, e);
      if (f === 2) nk += countVarints(buf, p.pos, fe);
      else if (f === 9) nm += countVarints(buf, p.pos, fe);
      p.pos = fe;
    } else {
      if (k === 8 /* 1:VARINT */) hasId = true;
      skip(p, k, e);
    }
  }
  if (!hasId) fail('Relation 缺少 id', 'Relation without id');
  C.rels++;
  C.members += nm;
  C.relTags += nk;
}

function countGroup(p: Pbf, s: number, e: number): void {
  p.pos = s;
  while (p.pos < e) {
    const k = key(p, e);
    if (k === 10 /* 1:LEN */ || k === 18 /* 2:LEN */ || k === 26 /* 3:LEN */ || k === 34 /* 4:LEN */) {
      const me = lenEnd(p, e);
      const f = k >>> 3;
      if (f === 1) countNode(p, me);
      else if (f === 2) countDense(p, me);
      else if (f === 3) countWay(p, me);
      else countRelation(p, me);
      if (p.pos !== me) fail('元素格式错误', 'malformed element');
    } else skip(p, k, e);
  }
}

// --- pass 2: decoding -------------------------------------------------------------------------

function decodeNode(p: Pbf, e: number): void {
  const w = out;
  const i = C.nodes;
  const t0 = C.nodeTags;
  let nk = 0;
  let nv = 0;
  let lat = 0;
  let lon = 0;
  while (p.pos < e) {
    const k = key(p, e);
    switch (k) {
      case 8 /* 1:VARINT */:
        w.nodeId[i] = zvarint(p, e);
        break;
      case 18 /* 2:LEN */: {
        const fe = lenEnd(p, e);
        nk += unpackSids(p.buf, p.pos, fe, w.nodeTags, 2 * (t0 + nk), 2);
        p.pos = fe;
        break;
      }
      case 26 /* 3:LEN */: {
        const fe = lenEnd(p, e);
        nv += unpackSids(p.buf, p.pos, fe, w.nodeTags, 2 * (t0 + nv) + 1, 2);
        p.pos = fe;
        break;
      }
      case 64 /* 8:VARINT */:
        lat = zvarint(p, e);
        break;
      case 72 /* 9:VARINT */:
        lon = zvarint(p, e);
        break;
      default:
        skip(p, k, e);
    }
  }
  if (nk !== nv) fail(`Node 有 ${nk} 个键，但有 ${nv} 个值`, `Node has ${nk} keys but ${nv} values`);
  w.nodeLat[i] = (latOff + gran * lat) / 1e9;
  w.nodeLon[i] = (lonOff + gran * lon) / 1e9;
  C.nodes = i + 1;
  C.nodeTags = t0 + nk;
  w.nodeTagOffset[i + 1] = C.nodeTags;
}

function decodeDense(p: Pbf, e: number): void {
  const w = out;
  const buf = p.buf;
  const base = C.nodes;
  let idS = 0;
  let idE = 0;
  let latS = 0;
  let latE = 0;
  let lonS = 0;
  let lonE = 0;
  let kvS = 0;
  let kvE = 0;
  while (p.pos < e) {
    const k = key(p, e);
    const f = k >>> 3;
    if ((k & 7) === 2 && (f === 1 || f === 8 || f === 9 || f === 10)) {
      const fe = lenEnd(p, e);
      if (f === 1) (idS = p.pos), (idE = fe);
      else if (f === 8) (latS = p.pos), (latE = fe);
      else if (f === 9) (lonS = p.pos), (lonE = fe);
      else (kvS = p.pos), (kvE = fe);
      p.pos = fe;
    } else skip(p, k, e);
  }
  // (several chunks of one packed field in a message are legal protobuf but never written by OSM
  // tools; they end up as a count mismatch below or in decodePrimitiveBlock)
  const n = unpackDelta(buf, idS, idE, w.nodeId, base, 0);
  const nlat = unpackCoords(buf, latS, latE, w.nodeLat, base, latOff);
  const nlon = unpackCoords(buf, lonS, lonE, w.nodeLon, base, lonOff);
  if (nlat !== n || nlon !== n) fail(`DenseNodes 有 ${n} 个 id，但有 ${nlat} 个 lat 和 ${nlon} 个 lon`, `DenseNodes has ${n} ids but ${nlat} lats and ${nlon} lons`);
  if (base + n > w.nodeCount) fail('DenseNodes 前后不一致', 'inconsistent DenseNodes');

  // keys_vals: per node (key, value)* 0
  const off = w.nodeTagOffset;
  const tags = w.nodeTags;
  const cap = tags.length;
  const ns = nStrings;
  let t = 2 * C.nodeTags;
  if (kvE > kvS) {
    let pos = kvS;
    for (let i = 0; i < n; i++) {
      for (;;) {
        if (pos >= kvE) fail('DenseNodes 的 keys_vals 提前结束', 'DenseNodes keys_vals ends early');
        let b = buf[pos++];
        let v = b & 0x7f;
        if (b >= 0x80) {
          b = buf[pos++];
          v |= (b & 0x7f) << 7;
          if (b >= 0x80) {
            b = buf[pos++];
            v |= (b & 0x7f) << 14;
            if (b >= 0x80) {
              b = buf[pos++];
              v |= (b & 0x7f) << 21;
              if (b >= 0x80) {
                v = slowVarint(buf, pos, v);
                pos = sp;
              }
            }
          }
        }
        if (v === 0) break;
        if (v >= ns) fail(`字符串索引 ${v} 越界（字符串表只有 ${ns} 项）`, `string index ${v} out of range (string table has ${ns})`);
        if (t >= cap) fail('DenseNodes 的 keys_vals 格式错误', 'DenseNodes keys_vals is malformed');
        tags[t++] = v;
      }
      if (t & 1) fail('DenseNodes 的 keys_vals 中有键没有值', 'DenseNodes keys_vals has a key without a value');
      off[base + i + 1] = t >>> 1;
    }
    if (pos !== kvE) fail('DenseNodes 的 keys_vals 格式错误', 'DenseNodes keys_vals is malformed');
  } else {
    const tt = t >>> 1;
    for (let i = 0; i < n; i++) off[base + i + 1] = tt;
  }
  C.nodes = base + n;
  C.nodeTags = t >>> 1;
}

function decodeWay(p: Pbf, e: number): void {
  const w = out;
  const i = C.ways;
  const t0 = C.wayTags;
  const r0 = C.wayRefs;
  let nk = 0;
  let nv = 0;
  let nr = 0;
  let acc = 0;
  while (p.pos < e) {
    const k = key(p, e);
    switch (k) {
      case 8 /* 1:VARINT */:
        w.wayId[i] = svarint64(p, e);
        break;
      case 18 /* 2:LEN */: {
        const fe = lenEnd(p, e);
        nk += unpackSids(p.buf, p.pos, fe, w.wayTags, 2 * (t0 + nk), 2);
        p.pos = fe;
        break;
      }
      case 26 /* 3:LEN */: {
        const fe = lenEnd(p, e);
        nv += unpackSids(p.buf, p.pos, fe, w.wayTags, 2 * (t0 + nv) + 1, 2);
        p.pos = fe;
        break;
      }
      case 66 /* 8:LEN */: {
        const fe = lenEnd(p, e);
        nr += unpackDelta(p.buf, p.pos, fe, w.wayRefs, r0 + nr, acc);
        acc = dAcc;
        p.pos = fe;
        break;
      }
      default:
        skip(p, k, e);
    }
  }
  if (nk !== nv) fail(`Way 有 ${nk} 个键，但有 ${nv} 个值`, `Way has ${nk} keys but ${nv} values`);
  C.ways = i + 1;
  C.wayTags = t0 + nk;
  C.wayRefs = r0 + nr;
  w.wayTagOffset[i + 1] = C.wayTags;
  w.wayRefOffset[i + 1] = C.wayRefs;
}

function decodeRelation(p: Pbf, e: number): void {
  const w = out;
  const i = C.rels;
  const t0 = C.relTags;
  const m0 = C.members;
  let nk = 0;
  let nv = 0;
  let nr = 0;
  let nm = 0;
  let nt = 0;
  let acc = 0;
  while (p.pos < e) {
    const k = key(p, e);
    switch (k) {
      case 8 /* 1:VARINT */:
        w.relId[i] = svarint64(p, e);
        break;
      case 18 /* 2:LEN */: {
        const fe = lenEnd(p, e);
        nk += unpackSids(p.buf, p.pos, fe, w.relTags, 2 * (t0 + nk), 2);
        p.pos = fe;
        break;
      }
      case 26 /* 3:LEN */: {
        const fe = lenEnd(p, e);
        nv += unpackSids(p.buf, p.pos, fe, w.relTags, 2 * (t0 + nv) + 1, 2);
        p.pos = fe;
        break;
      }
      case 66 /* 8:LEN */: {
        const fe = lenEnd(p, e);
        nr += unpackSids(p.buf, p.pos, fe, w.relMemberRole, m0 + nr, 1);
        p.pos = fe;
        break;
      }
      case 74 /* 9:LEN */: {
        const fe = lenEnd(p, e);
        nm += unpackDelta(p.buf, p.pos, fe, w.relMemberRef, m0 + nm, acc);
        acc = dAcc;
        p.pos = fe;
        break;
      }
      case 82 /* 10:LEN */: {
        const fe = lenEnd(p, e);
        const buf = p.buf;
        const mt = w.relMemberType;
        for (let j = p.pos; j < fe; j++) {
          const v = buf[j];
          if (v > 2) fail(`未知的关系成员类型 ${v}`, `unknown relation member type ${v}`);
          mt[m0 + nt++] = v;
        }
        p.pos = fe;
        break;
      }
      default:
        skip(p, k, e);
    }
  }
  if (nk !== nv) fail(`Relation 有 ${nk} 个键，但有 ${nv} 个值`, `Relation has ${nk} keys but ${nv} values`);
  if (nr !== nm || nt !== nm) fail(`Relation 有 ${nm} 个成员 id、${nr} 个角色和 ${nt} 个类型`, `Relation has ${nm} member ids, ${nr} roles and ${nt} types`);
  C.rels = i + 1;
  C.relTags = t0 + nk;
  C.members = m0 + nm;
  w.relTagOffset[i + 1] = C.relTags;
  w.relMemberOffset[i + 1] = C.members;
}

function decodeGroup(p: Pbf, s: number, e: number): void {
  p.pos = s;
  while (p.pos < e) {
    const k = key(p, e);
    if (k === 10 /* 1:LEN */ || k === 18 /* 2:LEN */ || k === 26 /* 3:LEN */ || k === 34 /* 4:LEN */) {
      const me = lenEnd(p, e);
      const f = k >>> 3;
      if (f === 1) decodeNode(p, me);
      else if (f === 2) decodeDense(p, me);
      else if (f === 3) decodeWay(p, me);
      else decodeRelation(p, me);
      p.pos = me;
    } else skip(p, k, e);
  }
}

/** Decodes an uncompressed PrimitiveBlock. */
export function decodePrimitiveBlock(buf: Uint8Array): WireBatch {
  const p = new Pbf(buf);
  const end = buf.length;
  let stS = -1;
  let stE = -1;
  gran = 100;
  latOff = 0;
  lonOff = 0;
  const groups: number[] = [];
  while (p.pos < end) {
    const k = key(p, end);
    switch (k) {
      case 10 /* 1:LEN */:
        stE = lenEnd(p, end);
        stS = p.pos;
        p.pos = stE;
        break;
      case 18 /* 2:LEN */: {
        const e = lenEnd(p, end);
        groups.push(p.pos, e);
        p.pos = e;
        break;
      }
      case 136 /* 17:VARINT */:
        gran = uvarint(p, end);
        break;
      case 152 /* 19:VARINT */:
        latOff = svarint64(p, end);
        break;
      case 160 /* 20:VARINT */:
        lonOff = svarint64(p, end);
        break;
      default:
        skip(p, k, end);
    }
  }
  if (stS < 0) fail('PrimitiveBlock 没有字符串表', 'PrimitiveBlock has no string table');
  if (!(gran > 0)) fail(`granularity ${gran} 无效`, `bad granularity ${gran}`);
  const strings = decodeStringTable(buf, stS, stE);
  nStrings = strings.length;

  C.nodes = C.nodeTags = C.ways = C.wayRefs = C.wayTags = C.rels = C.members = C.relTags = 0;
  for (let g = 0; g < groups.length; g += 2) countGroup(p, groups[g], groups[g + 1]);

  out = {
    strings,
    nodeCount: C.nodes,
    nodeId: new Float64Array(C.nodes),
    nodeLon: new Float64Array(C.nodes),
    nodeLat: new Float64Array(C.nodes),
    nodeTagOffset: new Uint32Array(C.nodes + 1),
    nodeTags: new Uint32Array(2 * C.nodeTags),
    wayCount: C.ways,
    wayId: new Float64Array(C.ways),
    wayRefOffset: new Uint32Array(C.ways + 1),
    wayRefs: new Float64Array(C.wayRefs),
    wayTagOffset: new Uint32Array(C.ways + 1),
    wayTags: new Uint32Array(2 * C.wayTags),
    relCount: C.rels,
    relId: new Float64Array(C.rels),
    relMemberOffset: new Uint32Array(C.rels + 1),
    relMemberRef: new Float64Array(C.members),
    relMemberType: new Uint8Array(C.members),
    relMemberRole: new Uint32Array(C.members),
    relTagOffset: new Uint32Array(C.rels + 1),
    relTags: new Uint32Array(2 * C.relTags),
  };
  const expect = { ...C };
  C.nodes = C.nodeTags = C.ways = C.wayRefs = C.wayTags = C.rels = C.members = C.relTags = 0;
  for (let g = 0; g < groups.length; g += 2) decodeGroup(p, groups[g], groups[g + 1]);
  if (
    C.nodes !== expect.nodes ||
    C.nodeTags !== expect.nodeTags ||
    C.ways !== expect.ways ||
    C.wayRefs !== expect.wayRefs ||
    C.wayTags !== expect.wayTags ||
    C.rels !== expect.rels ||
    C.members !== expect.members ||
    C.relTags !== expect.relTags
  ) {
    fail('PrimitiveBlock 前后不一致', 'inconsistent PrimitiveBlock');
  }
  const w = out;
  out = undefined as unknown as WireBatch;
  return w;
}

/** Blob bytes (as read from the file) of an OSMData block → WireBatch. */
export function decodeDataBlob(blob: Uint8Array): WireBatch {
  return decodePrimitiveBlock(decodeBlob(blob));
}

// ---------------------------------------------------------------------------------------------
// WireBatch → OsmBatch

const MEMBER_TYPES: readonly MemberType[] = ['node', 'way', 'relation'];

function lookup(strings: string[], idx: Uint32Array): string[] {
  // push, not new Array(n): large preallocated arrays can start in slow dictionary mode
  const n = idx.length;
  const a: string[] = [];
  for (let i = 0; i < n; i++) a.push(strings[idx[i]]);
  return a;
}

function setTag(o: Record<string, string>, k: string, v: string): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export function materialize(w: WireBatch, seq: number): OsmBatch {
  const S = w.strings;
  const relations: Relation[] = new Array(w.relCount);
  const mo = w.relMemberOffset;
  const to = w.relTagOffset;
  for (let i = 0; i < w.relCount; i++) {
    const members: RelationMember[] = new Array(mo[i + 1] - mo[i]);
    for (let j = mo[i], m = 0; j < mo[i + 1]; j++, m++) {
      members[m] = { type: MEMBER_TYPES[w.relMemberType[j]], ref: w.relMemberRef[j], role: S[w.relMemberRole[j]] };
    }
    const tags: Record<string, string> = {};
    for (let j = to[i]; j < to[i + 1]; j++) setTag(tags, S[w.relTags[2 * j]], S[w.relTags[2 * j + 1]]);
    relations[i] = { id: w.relId[i], members, tags };
  }
  return {
    seq,
    nodes: {
      count: w.nodeCount,
      id: w.nodeId,
      lon: w.nodeLon,
      lat: w.nodeLat,
      tagOffset: w.nodeTagOffset,
      tagKV: lookup(S, w.nodeTags),
    },
    ways: {
      count: w.wayCount,
      id: w.wayId,
      refOffset: w.wayRefOffset,
      refs: w.wayRefs,
      tagOffset: w.wayTagOffset,
      tagKV: lookup(S, w.wayTags),
    },
    relations,
  };
}
