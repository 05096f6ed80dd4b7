/**
 * PMTiles v3 (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md), written here from a
 * tile pyramid: a 127-byte header, the root directory, the JSON metadata, the leaf directories and
 * the tile data, directories and metadata gzip'd. Tiles are addressed by Hilbert tile id, written in
 * id order (clustered); identical tiles are stored once, and runs of consecutive ids with the same
 * content are one directory entry (run length). Each tile holds every layer of the pyramid (an MVT is
 * a list of layers: the layers' bytes concatenated), gzip'd.
 *
 * Memory: the directory entries (a few bytes per tile) and a hash per distinct tile; the tile data
 * goes to a side file while the directories are built, then header, directories and data are joined
 * into the output, renamed into place only when complete.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import { COLLECTION_BY_ID } from '../../catalog/collections.js';
import type { Store } from '../../store/driver.js';
import { byteaOf } from '../../store/wkb.js';
import { ServerContext } from '../context.js';
import { OSM_ATTRIBUTION, osmDerived } from '../ogc/attribution.js';
import { accessCategories } from './mvt.js';
import { PyramidError, type Pyramid } from './pyramid.js';

const gzip = promisify(gzipCb);
export const HEADER_BYTES = 127;
/** header + root directory must fit in the first 16 KiB (one request of a reader) */
const ROOT_MAX = 16384 - HEADER_BYTES;

// ---- tile ids ---------------------------------------------------------------------------------------

/** the Hilbert tile id of z/x/y: the tiles of lower zooms first, then the position on the Hilbert curve of z */
export function tileId(z: number, x: number, y: number): number {
  if (z > 26) throw new RangeError('PMTiles tile ids: zoom at most 26');
  const n = 2 ** z;
  if (x < 0 || y < 0 || x >= n || y >= n) throw new RangeError(`tile ${z}/${x}/${y} outside the zoom`);
  let acc = (4 ** z - 1) / 3;
  let tx = x, ty = y;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (tx & s) > 0 ? 1 : 0;
    const ry = (ty & s) > 0 ? 1 : 0;
    acc += s * s * ((3 * rx) ^ ry);
    // rotate the quadrant (in the frame of the whole zoom, as the reference implementation does)
    if (ry === 0) {
      if (rx === 1) { tx = n - 1 - tx; ty = n - 1 - ty; }
      const t = tx; tx = ty; ty = t;
    }
  }
  return acc;
}

// ---- directories ------------------------------------------------------------------------------------

export interface Entry { tileId: number; offset: number; length: number; runLength: number }

class Bytes {
  private buf = Buffer.alloc(4096);
  len = 0;
  varint(v: number): void {
    if (this.len + 10 > this.buf.length) { const b = Buffer.alloc(this.buf.length * 2); this.buf.copy(b, 0, 0, this.len); this.buf = b; }
    // up to 2^53: arithmetic, not 32-bit bit operations
    while (v >= 0x80) { this.buf[this.len++] = (v % 0x80) | 0x80; v = Math.floor(v / 0x80); }
    this.buf[this.len++] = v;
  }
  bytes(): Buffer { return this.buf.subarray(0, this.len); }
}

/** a directory, uncompressed: entry count, then id deltas, run lengths, lengths, offsets (0 = right after the previous entry) */
export function serializeDirectory(entries: Entry[]): Buffer {
  const b = new Bytes();
  b.varint(entries.length);
  let last = 0;
  for (const e of entries) { b.varint(e.tileId - last); last = e.tileId; }
  for (const e of entries) b.varint(e.runLength);
  for (const e of entries) b.varint(e.length);
  entries.forEach((e, i) => {
    if (i > 0 && e.offset === entries[i - 1].offset + entries[i - 1].length) b.varint(0);
    else b.varint(e.offset + 1);
  });
  return b.bytes();
}

const compressDir = (entries: Entry[]) => gzipSync(serializeDirectory(entries), { level: 9 });

/** the root directory, and the leaf directories when the entries do not fit in the root */
export function directories(entries: Entry[]): { root: Buffer; leaves: Buffer } {
  if (entries.length < 16384) {
    const root = compressDir(entries);
    if (root.length <= ROOT_MAX) return { root, leaves: Buffer.alloc(0) };
  }
  let leafSize = Math.max(4096, Math.ceil(entries.length / 3500));
  for (;;) {
    const rootEntries: Entry[] = [];
    const parts: Buffer[] = [];
    let off = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const leaf = entries.slice(i, i + leafSize);
      const bytes = compressDir(leaf);
      rootEntries.push({ tileId: leaf[0].tileId, offset: off, length: bytes.length, runLength: 0 });
      parts.push(bytes);
      off += bytes.length;
    }
    const root = compressDir(rootEntries);
    if (root.length <= ROOT_MAX) return { root, leaves: Buffer.concat(parts) };
    leafSize = Math.ceil(leafSize * 1.2);
  }
}

// ---- header -----------------------------------------------------------------------------------------

export interface HeaderFields {
  rootOffset: number; rootLength: number; metadataOffset: number; metadataLength: number;
  leafOffset: number; leafLength: number; dataOffset: number; dataLength: number;
  addressedTiles: number; tileEntries: number; tileContents: number;
  minZoom: number; maxZoom: number; bbox: [number, number, number, number]; centerZoom: number; center: [number, number];
}

export function header(h: HeaderFields): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write('PMTiles', 0, 'latin1');
  b.writeUInt8(3, 7);
  const u64 = (v: number, at: number) => b.writeBigUInt64LE(BigInt(v), at);
  u64(h.rootOffset, 8); u64(h.rootLength, 16); u64(h.metadataOffset, 24); u64(h.metadataLength, 32);
  u64(h.leafOffset, 40); u64(h.leafLength, 48); u64(h.dataOffset, 56); u64(h.dataLength, 64);
  u64(h.addressedTiles, 72); u64(h.tileEntries, 80); u64(h.tileContents, 88);
  b.writeUInt8(1, 96); // clustered
  b.writeUInt8(2, 97); // internal compression: gzip
  b.writeUInt8(2, 98); // tile compression: gzip
  b.writeUInt8(1, 99); // tile type: MVT
  b.writeUInt8(h.minZoom, 100);
  b.writeUInt8(h.maxZoom, 101);
  const e7 = (v: number, at: number) => b.writeInt32LE(Math.round(v * 1e7), at);
  e7(h.bbox[0], 102); e7(h.bbox[1], 106); e7(h.bbox[2], 110); e7(h.bbox[3], 114);
  b.writeUInt8(h.centerZoom, 118);
  e7(h.center[0], 119); e7(h.center[1], 123);
  return b;
}

// ---- export -----------------------------------------------------------------------------------------

export interface ExportOptions { layers?: string[]; minzoom?: number; maxzoom?: number; onProgress?: (done: number, total: number) => void }
export interface ExportResult {
  file: string; bytes: number; layers: string[]; minzoom: number; maxzoom: number;
  addressed_tiles: number; tile_entries: number; tile_contents: number; leaf_directories_bytes: number;
}

const BATCH = 256;

/** Write the pyramid's tiles (all its layers, or `layers`) to `out` as PMTiles v3. */
export async function exportPmtiles(store: Store, p: Pyramid, out: string, o: ExportOptions = {}): Promise<ExportResult> {
  const layers = o.layers?.length ? p.layers.filter((l) => o.layers!.includes(l)) : p.layers;
  for (const l of o.layers ?? []) if (!p.layers.includes(l)) throw new PyramidError(`layer ${l} is not in the pyramid (layers: ${p.layers.join(', ')})`);
  const minzoom = Math.max(p.minzoom, o.minzoom ?? p.minzoom), maxzoom = Math.min(p.maxzoom, o.maxzoom ?? p.maxzoom);
  if (minzoom > maxzoom) throw new PyramidError(`no zoom of the pyramid (z${p.minzoom}–${p.maxzoom}) is within --minzoom ${o.minzoom} / --maxzoom ${o.maxzoom}`);

  // the tiles that hold something, in tile id order
  const keys = await store.query<{ z: number; x: number; y: number }>(
    `SELECT DISTINCT z, x, y FROM tile_pyramid_tiles WHERE city_id = $1 AND pyramid_id = $2 AND layer = ANY($3::text[]) AND z BETWEEN $4 AND $5`,
    [p.city_id, p.pyramid_id, layers, minzoom, maxzoom]);
  const tiles = keys.map((k) => ({ z: Number(k.z), x: Number(k.x), y: Number(k.y), id: tileId(Number(k.z), Number(k.x), Number(k.y)) }));
  tiles.sort((a, b) => a.id - b.id);

  const dataFile = `${out}.data.tmp`, tmp = `${out}.tmp`;
  const fd = openSync(dataFile, 'w');
  const entries: Entry[] = [];
  const seen = new Map<string, { offset: number; length: number }>();
  let dataLength = 0, addressed = 0;
  const order = new Map(layers.map((l, i) => [l, i]));
  try {
    for (let i = 0; i < tiles.length; i += BATCH) {
      const batch = tiles.slice(i, i + BATCH);
      const rows = await store.query<{ layer: string; z: number; x: number; y: number; data: unknown }>(
        `SELECT t.layer, t.z, t.x, t.y, t.data FROM tile_pyramid_tiles t JOIN unnest($4::int[], $5::int[], $6::int[]) AS k(z, x, y) ON t.z = k.z AND t.x = k.x AND t.y = k.y
         WHERE t.city_id = $1 AND t.pyramid_id = $2 AND t.layer = ANY($3::text[])`,
        [p.city_id, p.pyramid_id, layers, batch.map((t) => t.z), batch.map((t) => t.x), batch.map((t) => t.y)]);
      const parts = new Map<string, { layer: number; raw: Buffer }[]>();
      for (const r of rows) {
        const k = `${r.z}/${r.x}/${r.y}`;
        let a = parts.get(k);
        if (!a) parts.set(k, (a = []));
        a.push({ layer: order.get(r.layer)!, raw: gunzipSync(byteaOf(r.data)) });
      }
      for (const t of batch) {
        const ls = parts.get(`${t.z}/${t.x}/${t.y}`)!;
        ls.sort((a, b) => a.layer - b.layer);
        const raw = ls.length === 1 ? ls[0].raw : Buffer.concat(ls.map((l) => l.raw));
        const hash = createHash('sha256').update(raw).digest('base64');
        let c = seen.get(hash);
        if (!c) {
          const gz = await gzip(raw, { level: 9 });
          writeSync(fd, gz);
          c = { offset: dataLength, length: gz.length };
          seen.set(hash, c);
          dataLength += gz.length;
        }
        const last = entries[entries.length - 1];
        if (last && last.tileId + last.runLength === t.id && last.offset === c.offset && last.length === c.length) last.runLength++;
        else entries.push({ tileId: t.id, offset: c.offset, length: c.length, runLength: 1 });
        addressed++;
      }
      o.onProgress?.(Math.min(tiles.length, i + BATCH), tiles.length);
    }
    closeSync(fd);

    const { root, leaves } = directories(entries);
    const metadata = gzipSync(Buffer.from(JSON.stringify(await metadataOf(store, p, layers, minzoom, maxzoom)), 'utf8'));
    const bbox = p.bbox ?? [-180, -85.0511, 180, 85.0511];
    const rootOffset = HEADER_BYTES, metadataOffset = rootOffset + root.length, leafOffset = metadataOffset + metadata.length, dataOffset = leafOffset + leaves.length;
    const head = header({
      rootOffset, rootLength: root.length, metadataOffset, metadataLength: metadata.length, leafOffset, leafLength: leaves.length,
      dataOffset, dataLength, addressedTiles: addressed, tileEntries: entries.length, tileContents: seen.size,
      minZoom: minzoom, maxZoom: maxzoom, bbox, centerZoom: Math.min(maxzoom, Math.max(minzoom, 14)), center: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
    });
    const w = createWriteStream(tmp);
    w.write(head); w.write(root); w.write(metadata); w.write(leaves);
    await pipeline(createReadStream(dataFile), w);
    renameSync(tmp, out);
    return {
      file: out, bytes: dataOffset + dataLength, layers, minzoom, maxzoom,
      addressed_tiles: addressed, tile_entries: entries.length, tile_contents: seen.size, leaf_directories_bytes: leaves.length,
    };
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    rmSync(dataFile, { force: true });
  }
}

/** TileJSON-like metadata: vector_layers with their fields, attribution, the data version */
async function metadataOf(store: Store, p: Pyramid, layers: string[], minzoom: number, maxzoom: number) {
  const ctx = new ServerContext(store, 0);
  const vector_layers = [];
  for (const id of layers) {
    const spec = COLLECTION_BY_ID.get(id)!;
    const fields: Record<string, string> = { id: 'String' };
    for (const q of spec.properties.filter((x) => x.tile)) fields[q.name] = q.type === 'string' ? 'String' : q.type === 'boolean' ? 'Boolean' : 'Number';
    if (spec.tile!.access) {
      const acc = await accessCategories(ctx, p.city_id);
      for (const c of acc?.categories ?? []) fields[`d_${c}`] = 'Number';
      if (acc) fields.access_run = 'Number';
    }
    vector_layers.push({ id, description: `${spec.title_zh} ${spec.title}`, minzoom: Math.max(minzoom, spec.tile!.minzoom), maxzoom: Math.min(maxzoom, spec.tile!.maxzoom), fields });
  }
  return {
    name: `OpenCIM ${p.city_id}`,
    description: `OpenCIM 城市信息模型 vector tiles of city ${p.city_id}, data version ${p.data_version}`,
    version: p.data_version,
    type: 'overlay',
    format: 'pbf',
    ...((await osmDerived(ctx, p.city_id)) ? { attribution: OSM_ATTRIBUTION } : {}),
    vector_layers,
    opencim: { city: p.city_id, pyramid_id: p.pyramid_id, data_version: p.data_version },
  };
}
