/**
 * Streaming OSM XML reader (also .osm.gz and osmChange files) on top of `saxes`: the file is read
 * in chunks, never whole, and entities come out in batches of about BATCH_SIZE.
 * Entities marked `action="delete"` or `visible="false"` (and those in an osmChange `<delete>`)
 * are skipped.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { SaxesParser, type SaxesTag } from 'saxes';
import { IngestError } from '../../model/errors.js';
import { cannotOpen } from './messages.js';
import type { MemberType, OsmBatch, OsmHeader, OsmReadOptions, OsmReader, Relation } from './types.js';

export const XML_BATCH_SIZE = 8000;

const ID = /^-?\d{1,16}$/;
const NUM = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

class Builder {
  nodeId: number[] = [];
  nodeLon: number[] = [];
  nodeLat: number[] = [];
  nodeTagOffset: number[] = [0];
  nodeKV: string[] = [];
  wayId: number[] = [];
  wayRefOffset: number[] = [0];
  wayRefs: number[] = [];
  wayTagOffset: number[] = [0];
  wayKV: string[] = [];
  relations: Relation[] = [];
  count = 0;

  build(seq: number): OsmBatch {
    return {
      seq,
      nodes: {
        count: this.nodeId.length,
        id: Float64Array.from(this.nodeId),
        lon: Float64Array.from(this.nodeLon),
        lat: Float64Array.from(this.nodeLat),
        tagOffset: Uint32Array.from(this.nodeTagOffset),
        tagKV: this.nodeKV,
      },
      ways: {
        count: this.wayId.length,
        id: Float64Array.from(this.wayId),
        refOffset: Uint32Array.from(this.wayRefOffset),
        refs: Float64Array.from(this.wayRefs),
        tagOffset: Uint32Array.from(this.wayTagOffset),
        tagKV: this.wayKV,
      },
      relations: this.relations,
    };
  }
}

function isoTime(s: string): string {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString().replace('.000Z', 'Z');
}

const NONE = 0;
const NODE = 1;
const WAY = 2;
const REL = 3;

/** Turns saxes events into header + batches. Throws IngestError (via `bad`) on invalid content. */
class OsmXmlHandler {
  header: OsmHeader = { requiredFeatures: [], optionalFeatures: [] };
  headerDone = false;
  sawRoot = false;
  ready: OsmBatch[] = [];
  private b = new Builder();
  private seq = 0;
  private cur = NONE;
  private skipping = false;
  private deleteDepth = 0;
  private rel: Relation | undefined;

  constructor(
    private readonly file: string,
    private readonly parser: SaxesParser,
  ) {}

  /** bad content at the parser's place, said in Chinese and English */
  bad(zh: string, en: string): never {
    throw new IngestError(this.file, `line ${this.parser.line}, column ${this.parser.column}`, `${zh} / ${en}`);
  }

  private id(a: Record<string, string>, what: string, attr = 'id'): number {
    const s = a[attr];
    if (s === undefined) this.bad(`${what} 缺少 ${attr} 属性`, `${what} without ${attr}`);
    if (!ID.test(s)) this.bad(`${what} 的 ${attr} "${s.slice(0, 40)}" 不是数字`, `${what} has a non-numeric ${attr} "${s.slice(0, 40)}"`);
    return Number(s);
  }

  private coord(a: Record<string, string>, attr: 'lat' | 'lon', id: number): number {
    const s = a[attr];
    if (s === undefined) this.bad(`node ${id} 缺少 ${attr} 属性`, `node ${id} without ${attr}`);
    if (!NUM.test(s)) this.bad(`node ${id} 的 ${attr} "${s.slice(0, 40)}" 不是数字`, `node ${id} has a non-numeric ${attr} "${s.slice(0, 40)}"`);
    const v = Number(s);
    if (Math.abs(v) > (attr === 'lat' ? 90 : 180)) this.bad(`node ${id} 的 ${attr} ${s} 超出范围`, `node ${id} has ${attr} ${s} out of range`);
    return v;
  }

  private flush(): void {
    this.ready.push(this.b.build(this.seq++));
    this.b = new Builder();
  }

  private finishHeader(): void {
    this.headerDone = true;
  }

  opentag(t: SaxesTag): void {
    const a = t.attributes as Record<string, string>;
    if (!this.sawRoot && t.name !== 'osm' && t.name !== 'osmChange') this.bad(`根元素为 <${t.name}>：不是 OSM XML 文件`, `root element <${t.name}>: not an OSM XML file`);
    switch (t.name) {
      case 'node': {
        this.finishHeader();
        this.cur = NODE;
        this.skipping = this.deleteDepth > 0 || a.action === 'delete' || a.visible === 'false';
        if (this.skipping) return;
        const id = this.id(a, 'node');
        const lat = this.coord(a, 'lat', id);
        const lon = this.coord(a, 'lon', id);
        this.b.nodeId.push(id);
        this.b.nodeLat.push(lat);
        this.b.nodeLon.push(lon);
        return;
      }
      case 'way': {
        this.finishHeader();
        this.cur = WAY;
        this.skipping = this.deleteDepth > 0 || a.action === 'delete' || a.visible === 'false';
        if (this.skipping) return;
        this.b.wayId.push(this.id(a, 'way'));
        return;
      }
      case 'relation': {
        this.finishHeader();
        this.cur = REL;
        this.skipping = this.deleteDepth > 0 || a.action === 'delete' || a.visible === 'false';
        if (this.skipping) return;
        this.rel = { id: this.id(a, 'relation'), members: [], tags: {} };
        return;
      }
      case 'tag': {
        if (this.cur === NONE || this.skipping) return; // e.g. changeset tags
        const k = a.k;
        const v = a.v;
        if (k === undefined || v === undefined) this.bad('tag 缺少 k 或 v 属性', 'tag without k or v');
        if (this.cur === NODE) this.b.nodeKV.push(k, v);
        else if (this.cur === WAY) this.b.wayKV.push(k, v);
        else if (k === '__proto__') Object.defineProperty(this.rel!.tags, k, { value: v, enumerable: true, writable: true, configurable: true });
        else this.rel!.tags[k] = v;
        return;
      }
      case 'nd': {
        if (this.cur !== WAY) this.bad('<nd> 不在 way 之内', '<nd> outside a way');
        if (this.skipping) return;
        this.b.wayRefs.push(this.id(a, 'nd', 'ref'));
        return;
      }
      case 'member': {
        if (this.cur !== REL) this.bad('<member> 不在 relation 之内', '<member> outside a relation');
        if (this.skipping) return;
        const type = a.type;
        if (type !== 'node' && type !== 'way' && type !== 'relation') this.bad(`member 的 type "${type ?? ''}" 未知`, `member with unknown type "${type ?? ''}"`);
        this.rel!.members.push({ type: type as MemberType, ref: this.id(a, 'member', 'ref'), role: a.role ?? '' });
        return;
      }
      case 'osm':
      case 'osmChange':
        this.sawRoot = true;
        if (a.generator !== undefined) this.header.generator = a.generator;
        if (a.timestamp !== undefined) this.header.timestamp = isoTime(a.timestamp);
        return;
      case 'meta':
        if (a.osm_base !== undefined && !this.headerDone) this.header.timestamp = isoTime(a.osm_base);
        return;
      case 'bounds': {
        if (this.headerDone) return;
        const v = [a.minlon, a.minlat, a.maxlon, a.maxlat].map(Number);
        if (v.every(Number.isFinite)) this.header.bbox = v as [number, number, number, number];
        return;
      }
      case 'bound': {
        // osmosis: <bound box="minlat,minlon,maxlat,maxlon" origin="..."/>
        if (this.headerDone || !a.box) return;
        const v = a.box.split(',').map(Number);
        if (v.length === 4 && v.every(Number.isFinite)) this.header.bbox = [v[1], v[0], v[3], v[2]];
        return;
      }
      case 'delete':
        this.deleteDepth++;
        return;
      default:
        return;
    }
  }

  closetag(t: SaxesTag): void {
    const b = this.b;
    switch (t.name) {
      case 'node':
        if (!this.skipping) {
          b.nodeTagOffset.push(b.nodeKV.length >>> 1);
          if (++b.count >= XML_BATCH_SIZE) this.flush();
        }
        this.cur = NONE;
        this.skipping = false;
        return;
      case 'way':
        if (!this.skipping) {
          b.wayTagOffset.push(b.wayKV.length >>> 1);
          b.wayRefOffset.push(b.wayRefs.length);
          if (++b.count >= XML_BATCH_SIZE) this.flush();
        }
        this.cur = NONE;
        this.skipping = false;
        return;
      case 'relation':
        if (!this.skipping) {
          b.relations.push(this.rel!);
          this.rel = undefined;
          if (++b.count >= XML_BATCH_SIZE) this.flush();
        }
        this.cur = NONE;
        this.skipping = false;
        return;
      case 'delete':
        this.deleteDepth--;
        return;
      default:
        return;
    }
  }

  end(): void {
    if (!this.sawRoot) this.bad('没有 <osm> 元素：不是 OSM XML 文件', 'no <osm> element: not an OSM XML file');
    this.finishHeader();
    if (this.b.count > 0) this.flush();
  }
}

/** Yields the file's bytes in chunks (gunzipped for .gz content: then `info.gz`). */
async function* fileChunks(file: string, opts: OsmReadOptions, info: { gz: boolean }): AsyncGenerator<Uint8Array> {
  let size: number;
  let head = Buffer.alloc(0);
  try {
    size = (await stat(file)).size;
    const fh = await open(file, 'r');
    try {
      head = Buffer.alloc(4);
      const { bytesRead } = await fh.read(head, 0, 4, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new IngestError(file, undefined, cannotOpen(e));
  }
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) {
    throw new IngestError(file, undefined, '不支持 bzip2 压缩的 OSM XML：请先解压（bunzip2） / bzip2-compressed OSM XML is not supported; decompress it first (bunzip2)');
  }
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  info.gz = gz;
  const rs = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gunzip: Gunzip | undefined = gz ? createGunzip() : undefined;
  const src = gunzip ? rs.pipe(gunzip) : rs;
  if (gz) rs.on('error', (e) => src.destroy(e));
  try {
    for await (const chunk of src) {
      opts.onProgress?.(rs.bytesRead, size);
      yield chunk as Buffer;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // the compressed bytes the decompressor had taken when it failed (it takes them in blocks: near, not at)
    if (gunzip && err.code?.startsWith('Z_')) throw new IngestError(file, `near compressed byte ${gunzip.bytesWritten}`, `gzip 数据损坏（${err.message}） / bad gzip data (${err.message})`);
    const why = err.code ?? err.message;
    throw new IngestError(file, undefined, `读取出错：${why} / read error: ${why}`);
  } finally {
    rs.destroy();
    if (src !== rs) src.destroy();
  }
}

/**
 * Drives saxes over the file. Yields batches; with `headerOnly`, stops as soon as the header is
 * known (the first entity or the end of the file) and yields nothing.
 */
async function* run(file: string, opts: OsmReadOptions, out: { header?: OsmHeader }, headerOnly: boolean): AsyncGenerator<OsmBatch> {
  const parser = new SaxesParser({ position: true });
  const h = new OsmXmlHandler(file, parser);
  parser.on('opentag', (t) => h.opentag(t));
  parser.on('closetag', (t) => h.closetag(t));
  const dec = new TextDecoder('utf-8', { fatal: true });
  const info = { gz: false };
  /** bytes (decompressed, for .gz) before the chunk being decoded; `tail`: those at its end that begin a character not yet complete */
  let bytes = 0;
  let tail: Uint8Array = new Uint8Array(0);
  const write = (s: string) => {
    try {
      parser.write(s);
    } catch (e) {
      if (e instanceof IngestError) throw e;
      const msg = (e as Error).message.replace(/^\d+:\d+: /, '');
      h.bad(`XML 格式错误：${msg}`, `malformed XML: ${msg}`);
    }
  };
  const text = (chunk?: Uint8Array): string => {
    try {
      const t = chunk ? dec.decode(chunk, { stream: true }) : dec.decode();
      if (chunk) tail = pendingUtf8(tail, chunk);
      return t;
    } catch {
      // where: the text before the bad sequence goes to the parser, which then stands at it
      const at = firstInvalidUtf8(tail, chunk, bytes - tail.length === 0);
      write(at.text);
      const byte = `${info.gz ? 'decompressed ' : ''}byte ${bytes - tail.length + at.offset + 1}`;
      throw new IngestError(file, `line ${parser.line}, column ${parser.column + 1}, ${byte}`, '不是有效的 UTF-8 文本 / invalid UTF-8');
    }
  };
  for await (const chunk of fileChunks(file, opts, info)) {
    write(text(chunk));
    bytes += chunk.length;
    if (headerOnly && h.headerDone) {
      out.header = h.header;
      return;
    }
    while (h.ready.length) yield h.ready.shift()!;
  }
  write(text());
  try {
    parser.close();
  } catch (e) {
    if (e instanceof IngestError) throw e;
    const msg = (e as Error).message.replace(/^\d+:\d+: /, '');
    h.bad(`XML 格式错误：${msg}`, `malformed XML: ${msg}`);
  }
  h.end();
  out.header = h.header;
  while (h.ready.length) yield h.ready.shift()!;
}

/**
 * The bytes that end `chunk` (after `tail`, the pending bytes before it) and begin a character not
 * yet complete: valid UTF-8 read on from a character boundary, as the decoder has just found it.
 */
function pendingUtf8(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
  const end = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : concat(tail, chunk);
  for (let k = 1; k <= end.length; k++) {
    const c = end[end.length - k];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? end.slice(end.length - k) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/**
 * Where the first sequence that is not UTF-8 starts in `tail` + `chunk` (the end of the file
 * without `chunk`), 0-based from the start of `tail`, and the text before it. `atStart`: they begin
 * the file (a byte-order mark there is dropped, as the reader's decoder drops it). Byte by byte:
 * the error path only.
 */
function firstInvalidUtf8(tail: Uint8Array, chunk: Uint8Array | undefined, atStart: boolean): { offset: number; text: string } {
  const all = chunk ? concat(tail, chunk) : tail;
  const d = new TextDecoder('utf-8', { fatal: true, ignoreBOM: !atStart });
  let text = '';
  let begin = -1; // the start of the character being read
  for (let i = 0; i < all.length; i++) {
    let t: string;
    try {
      t = d.decode(all.subarray(i, i + 1), { stream: true });
    } catch {
      return { offset: begin >= 0 ? begin : i, text };
    }
    if (t) {
      text += t;
      begin = -1;
    } else if (begin < 0) begin = i;
  }
  return { offset: begin >= 0 ? begin : all.length, text }; // a character cut off by the end of the file
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

async function readXmlHeader(file: string): Promise<OsmHeader> {
  const out: { header?: OsmHeader } = {};
  for await (const _ of run(file, {}, out, true));
  return out.header!;
}

export function openOsmXml(path: string, opts: OsmReadOptions = {}): OsmReader {
  let header: Promise<OsmHeader> | undefined;
  return {
    header: () => (header ??= readXmlHeader(path)),
    batches: () => run(path, opts, {}, false),
  };
}
