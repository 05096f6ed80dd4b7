/**
 * Streaming OSM PBF writer over `pbf` (fields written by hand) and `node:zlib`.
 *
 * File = sequence of (int32 BE length, BlobHeader, Blob); the first blob is an OSMHeader, the
 * rest OSMData PrimitiveBlocks of at most 8000 entities of one type each (one PrimitiveGroup),
 * with a per-block string table, DenseNodes (delta-coded), Ways (delta refs) and Relations
 * (delta member ids), granularity 100 (1e-7 degree). Blocks are deflated on the libuv thread
 * pool while the caller prepares the next ones; they are written in order, so output bytes do not
 * depend on timing. Memory stays bounded: callers `await drain()` regularly.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { deflate } from 'node:zlib';
import Pbf from 'pbf';
import { flatTags, OrderGuard, toE7, type OsmMember, type OsmTags, type OsmWriter, type OsmWriterOptions } from './osm-writer.js';

const MAX_ENTITIES = 8000;
/** flush a block early when its group grows past this (blob limit is 32 MiB uncompressed) */
const MAX_GROUP_BYTES = 8 * 1024 * 1024;
/** blocks compressed/queued but not yet handed to the file stream */
const MAX_PENDING = 6;

const KIND_NONE = 0;
const KIND_NODES = 1;
const KIND_WAYS = 2;
const KIND_RELATIONS = 3;

export interface PbfWriterOptions extends OsmWriterOptions {
  /** zlib level 0–9 (0 = store raw blobs); default 6 */
  compressionLevel?: number;
}

function deflateAsync(data: Uint8Array, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflate(data, { level }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

const MEMBER_TYPE: Record<string, number> = { node: 0, way: 1, relation: 2 };

export class PbfWriter implements OsmWriter {
  private readonly stream: WriteStream;
  private readonly guard: OrderGuard;
  private readonly level: number;
  private error: Error | undefined;
  private bytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly pending: Promise<void>[] = [];
  private closed = false;

  // current block
  private kind = KIND_NONE;
  private count = 0;
  private strings = new Map<string, number>();
  private stringList: string[] = [''];
  private group = new Pbf(new Uint8Array(1 << 16));
  // dense node columns
  private readonly nodeId = new Float64Array(MAX_ENTITIES);
  private readonly nodeLat = new Int32Array(MAX_ENTITIES);
  private readonly nodeLon = new Int32Array(MAX_ENTITIES);
  private nodeKV: number[] = [];
  private nodeAnyTags = false;
  // scratch for one way / relation
  private scratchKeys: number[] = [];
  private scratchVals: number[] = [];
  private scratchRefs: ArrayLike<number> = [];
  private scratchMembers: readonly OsmMember[] = [];
  private scratchId = 0;

  constructor(path: string, opts: PbfWriterOptions = {}) {
    this.guard = new OrderGuard(opts.sorted !== false);
    this.level = opts.compressionLevel ?? 6;
    this.stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.stream.on('error', (e) => {
      this.error ??= e;
    });
    this.enqueueBlob('OSMHeader', encodeHeader(opts));
  }

  addNode(id: number, lon: number, lat: number, tags?: OsmTags): void {
    this.guard.check('node', id);
    if (this.kind !== KIND_NODES || this.count >= MAX_ENTITIES) this.startBlock(KIND_NODES);
    const i = this.count++;
    this.nodeId[i] = id;
    this.nodeLat[i] = toE7(lat);
    this.nodeLon[i] = toE7(lon);
    const kv = flatTags(tags);
    for (let j = 0; j < kv.length; j += 2) {
      this.nodeKV.push(this.str(kv[j]), this.str(kv[j + 1]));
      this.nodeAnyTags = true;
    }
    this.nodeKV.push(0);
  }

  addWay(id: number, refs: ArrayLike<number>, tags?: OsmTags): void {
    this.guard.check('way', id);
    if (this.kind !== KIND_WAYS || this.count >= MAX_ENTITIES || this.group.pos > MAX_GROUP_BYTES) this.startBlock(KIND_WAYS);
    this.count++;
    this.setTags(tags);
    this.scratchId = id;
    this.scratchRefs = refs;
    this.group.writeMessage(3, this.writeWay, null);
  }

  addRelation(id: number, members: readonly OsmMember[], tags?: OsmTags): void {
    this.guard.check('relation', id);
    if (this.kind !== KIND_RELATIONS || this.count >= MAX_ENTITIES || this.group.pos > MAX_GROUP_BYTES) this.startBlock(KIND_RELATIONS);
    this.count++;
    this.setTags(tags);
    this.scratchId = id;
    this.scratchMembers = members;
    for (const m of members) {
      if (!(m.type in MEMBER_TYPE)) throw new Error(`relation ${id}: bad member type ${m.type}`);
      this.str(m.role); // make sure the role is in the table before the message is written
    }
    this.group.writeMessage(4, this.writeRelation, null);
  }

  async drain(): Promise<void> {
    this.throwIfFailed();
    while (this.pending.length > MAX_PENDING) await this.pending[0];
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
    this.throwIfFailed();
  }

  async close(): Promise<number> {
    if (this.closed) throw new Error('writer already closed');
    this.closed = true;
    this.flushBlock();
    await this.chain;
    this.throwIfFailed();
    this.stream.end();
    await finished(this.stream);
    this.throwIfFailed();
    return this.bytes;
  }

  abort(): void {
    this.closed = true;
    this.stream.destroy();
  }

  // ---- internals ----

  private throwIfFailed(): void {
    if (this.error) throw this.error;
  }

  private str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) {
      if (typeof s !== 'string') throw new Error(`tag keys, values and roles must be strings, got ${typeof s}`);
      i = this.stringList.length;
      this.stringList.push(s);
      this.strings.set(s, i);
    }
    return i;
  }

  private setTags(tags: OsmTags | undefined): void {
    const kv = flatTags(tags);
    const keys = this.scratchKeys;
    const vals = this.scratchVals;
    keys.length = 0;
    vals.length = 0;
    for (let j = 0; j < kv.length; j += 2) {
      keys.push(this.str(kv[j]));
      vals.push(this.str(kv[j + 1]));
    }
  }

  private startBlock(kind: number): void {
    this.flushBlock();
    this.kind = kind;
  }

  private flushBlock(): void {
    if (this.kind === KIND_NONE || this.count === 0) {
      this.kind = KIND_NONE;
      return;
    }
    if (this.kind === KIND_NODES) this.group.writeMessage(2, this.writeDense, null);
    const groupBytes = this.group.finish();
    const block = new Pbf(new Uint8Array(groupBytes.length + 64 + this.stringList.length * 12));
    block.writeMessage(1, writeStringTable, this.stringList);
    block.writeBytesField(2, groupBytes);
    block.writeVarintField(17, 100); // granularity, nanodegrees
    this.enqueueBlob('OSMData', block.finish());
    // reset
    this.kind = KIND_NONE;
    this.count = 0;
    this.strings = new Map();
    this.stringList = [''];
    this.group = new Pbf(new Uint8Array(Math.max(1 << 16, groupBytes.length)));
    this.nodeKV = [];
    this.nodeAnyTags = false;
  }

  private enqueueBlob(type: string, raw: Uint8Array): void {
    const level = this.level;
    const compressed = level > 0 ? deflateAsync(raw, level) : Promise.resolve(null);
    compressed.catch(() => undefined); // handled through the chain
    const step = this.chain.then(async () => {
      const z = await compressed;
      const blob = new Pbf();
      if (z) {
        blob.writeVarintField(2, raw.length); // raw_size
        blob.writeTag(3, 2); // zlib_data
        blob.writeVarint(z.length);
      } else {
        blob.writeTag(1, 2); // raw
        blob.writeVarint(raw.length);
      }
      const blobHead = blob.finish();
      const payload = z ?? raw;
      const blobLen = blobHead.length + payload.length;
      const bh = new Pbf();
      bh.writeStringField(1, type);
      bh.writeVarintField(3, blobLen); // datasize
      const bhBytes = bh.finish();
      const frame = Buffer.allocUnsafe(4 + bhBytes.length + blobHead.length);
      frame.writeUInt32BE(bhBytes.length, 0);
      frame.set(bhBytes, 4);
      frame.set(blobHead, 4 + bhBytes.length);
      if (this.error) throw this.error;
      this.stream.write(frame);
      this.stream.write(payload);
      this.bytes += frame.length + payload.length;
    });
    this.chain = step.catch((e: Error) => {
      this.error ??= e;
    });
    const tracked = this.chain.finally(() => {
      this.pending.shift();
    });
    this.pending.push(tracked);
  }

  // ---- encoders (arrow properties: bound once, no per-entity closures) ----

  private readonly writeDense = (_: unknown, pbf: Pbf): void => {
    const n = this.count;
    pbf.writeTag(1, 2);
    pbf.writeRawMessage(writeDeltas, { a: this.nodeId, n });
    pbf.writeTag(8, 2);
    pbf.writeRawMessage(writeDeltas, { a: this.nodeLat, n });
    pbf.writeTag(9, 2);
    pbf.writeRawMessage(writeDeltas, { a: this.nodeLon, n });
    if (this.nodeAnyTags) {
      pbf.writeTag(10, 2);
      pbf.writeRawMessage(writeVarints, this.nodeKV);
    }
  };

  private writeTagFields(pbf: Pbf): void {
    if (this.scratchKeys.length) {
      pbf.writeTag(2, 2);
      pbf.writeRawMessage(writeVarints, this.scratchKeys);
      pbf.writeTag(3, 2);
      pbf.writeRawMessage(writeVarints, this.scratchVals);
    }
  }

  private readonly writeWay = (_: unknown, pbf: Pbf): void => {
    pbf.writeVarintField(1, this.scratchId);
    this.writeTagFields(pbf);
    const refs = this.scratchRefs;
    if (refs.length) {
      pbf.writeTag(8, 2);
      pbf.writeRawMessage(writeDeltas, { a: refs, n: refs.length });
    }
  };

  private readonly writeRelation = (_: unknown, pbf: Pbf): void => {
    pbf.writeVarintField(1, this.scratchId);
    this.writeTagFields(pbf);
    const m = this.scratchMembers;
    if (m.length) {
      const roles: number[] = new Array(m.length);
      const ids: number[] = new Array(m.length);
      const types: number[] = new Array(m.length);
      for (let i = 0; i < m.length; i++) {
        roles[i] = this.str(m[i].role);
        ids[i] = m[i].ref;
        types[i] = MEMBER_TYPE[m[i].type];
      }
      pbf.writeTag(8, 2);
      pbf.writeRawMessage(writeVarints, roles);
      pbf.writeTag(9, 2);
      pbf.writeRawMessage(writeDeltas, { a: ids, n: ids.length });
      pbf.writeTag(10, 2);
      pbf.writeRawMessage(writeVarints, types);
    }
  };
}

function writeStringTable(list: string[], pbf: Pbf): void {
  for (let i = 0; i < list.length; i++) pbf.writeStringField(1, list[i]);
}

function writeDeltas(o: { a: ArrayLike<number>; n: number }, pbf: Pbf): void {
  let prev = 0;
  const a = o.a;
  for (let i = 0; i < o.n; i++) {
    const v = a[i];
    pbf.writeSVarint(v - prev);
    prev = v;
  }
}

function writeVarints(a: ArrayLike<number>, pbf: Pbf): void {
  for (let i = 0; i < a.length; i++) pbf.writeVarint(a[i]);
}

function encodeHeader(opts: OsmWriterOptions): Uint8Array {
  const pbf = new Pbf();
  if (opts.bbox) {
    const [w, s, e, n] = opts.bbox;
    pbf.writeMessage(1, writeBBox, [w, e, n, s]);
  }
  pbf.writeStringField(4, 'OsmSchema-V0.6');
  pbf.writeStringField(4, 'DenseNodes');
  if (opts.sorted !== false) pbf.writeStringField(5, 'Sort.Type_then_ID');
  pbf.writeStringField(16, opts.generator ?? 'opencim');
  return pbf.finish();
}

/** HeaderBBox: left, right, top, bottom in nanodegrees (sint64). */
function writeBBox(v: number[], pbf: Pbf): void {
  for (let i = 0; i < 4; i++) {
    pbf.writeTag(i + 1, 0);
    pbf.writeSVarint(Math.round(v[i] * 1e9));
  }
}

export function createPbfWriter(path: string, opts: PbfWriterOptions = {}): OsmWriter {
  return new PbfWriter(path, opts);
}
