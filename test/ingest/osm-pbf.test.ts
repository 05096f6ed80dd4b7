import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Pbf from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestError } from '../../src/model/errors.js';
import { openOsm, openPbf, tagsOf, type OsmBatch } from '../../src/ingest/osm/index.js';
import { liveWorkerCount } from '../../src/ingest/osm/pbf-reader.js';
import {
  batchEntities,
  countEntities,
  DATA,
  diffEntities,
  keyCount,
  oplEntities,
  osmium,
  osmiumCounts,
  osmiumKeyCount,
  PBF_FILES,
  readAll,
  requireOsmium,
} from './osm-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
let tmp: string;

beforeAll(() => {
  requireOsmium();
  tmp = mkdtempSync(join(tmpdir(), 'opencim-osm-pbf-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Blob layout of a PBF file, found with the pbf package's generic field reader. */
interface BlobPos {
  offset: number; // of the 4-byte length
  type: string;
  dataStart: number; // Blob message
  dataEnd: number;
}
function blobLayout(buf: Uint8Array): BlobPos[] {
  const out: BlobPos[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const hlen = new DataView(buf.buffer, buf.byteOffset).getUint32(pos);
    const h = new Pbf(buf.subarray(pos + 4, pos + 4 + hlen)).readFields(
      (tag, o: { type: string; datasize: number }, p) => {
        if (tag === 1) o.type = p.readString();
        else if (tag === 3) o.datasize = p.readVarint();
      },
      { type: '', datasize: 0 },
    );
    const dataStart = pos + 4 + hlen;
    out.push({ offset: pos, type: h.type, dataStart, dataEnd: dataStart + h.datasize });
    pos = dataStart + h.datasize;
  }
  return out;
}

/** Where a Blob's payload field (raw = 1, zlib_data = 3) starts and ends. */
function blobPayload(buf: Uint8Array, b: BlobPos): { field: number; start: number; end: number } {
  const p = new Pbf(buf.subarray(b.dataStart, b.dataEnd));
  let r = { field: 0, start: 0, end: 0 };
  while (p.pos < p.length) {
    const k = p.readVarint();
    if ((k & 7) === 2) {
      const len = p.readVarint();
      r = { field: k >> 3, start: b.dataStart + p.pos, end: b.dataStart + p.pos + len };
      p.pos += len;
    } else p.readVarint();
  }
  return r;
}

function frame(type: string, blob: Uint8Array, datasize = blob.length): Uint8Array {
  const h = new Pbf();
  h.writeStringField(1, type);
  h.writeVarintField(3, datasize);
  const hb = h.finish();
  const out = new Uint8Array(4 + hb.length + blob.length);
  new DataView(out.buffer).setUint32(0, hb.length);
  out.set(hb, 4);
  out.set(blob, 4 + hb.length);
  return out;
}

function rawBlob(payload: Uint8Array, field = 1): Uint8Array {
  const b = new Pbf();
  b.writeBytesField(field, payload);
  b.writeVarintField(2, payload.length);
  return b.finish();
}

function headerBlock(required: string[]): Uint8Array {
  const p = new Pbf();
  for (const f of required) p.writeStringField(4, f);
  p.writeStringField(16, 'test');
  return p.finish();
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function expectIngestError(p: Promise<unknown>, pattern: RegExp): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IngestError);
    expect((e as Error).message).toMatch(pattern);
    return e as IngestError;
  }
  throw new Error(`expected an IngestError matching ${pattern}`);
}

describe('PBF reader against osmium', () => {
  for (const f of PBF_FILES) {
    it(`${f}: counts, tags, coordinates, refs and members equal osmium's`, async () => {
      const file = join(DATA, f);
      const batches = await readAll(openPbf(file, { workers: 0 }));
      const c = countEntities(batches);
      expect({ nodes: c.nodes, ways: c.ways, relations: c.relations }).toEqual(
        (({ nodes, ways, relations }) => ({ nodes, ways, relations }))(osmiumCounts(file)),
      );
      expect(keyCount(batches, 'ways', 'building')).toBe(osmiumKeyCount(file, 'way', 'building'));
      expect(keyCount(batches, 'ways', 'highway')).toBe(osmiumKeyCount(file, 'way', 'highway'));
      expect(keyCount(batches, 'nodes', 'amenity')).toBe(osmiumKeyCount(file, 'node', 'amenity'));
      const ref = oplEntities(file);
      const refTagged = [...ref].filter(([k, v]) => k[0] === 'n' && !v.endsWith(' []')).length;
      expect(c.taggedNodes).toBe(refTagged);
      expect(diffEntities(batchEntities(batches), ref)).toEqual([]);
      // batches come in file order: nodes, then ways, then relations; seq increases
      const seqs = batches.map((b) => b.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });
  }

  it('specific ids have osmium getid coordinates (1e-7°) and tags', async () => {
    const file = join(DATA, 'beijing-bupt.osm.pbf');
    const ids = ['n27547653', 'n340411580', 'w30784020', 'r1867421'];
    const opl = osmium(['getid', '-f', 'opl,add_metadata=false', file, ...ids]).trim().split('\n');
    expect(opl).toHaveLength(ids.length);
    const batches = await readAll(openOsm(file, { workers: 0 }));
    for (const line of opl) {
      const [id, ...rest] = line.split(' ');
      const f = Object.fromEntries(rest.map((x) => [x[0], x.slice(1)]));
      const tagCount = f.T ? f.T.split(',').length : 0;
      const num = Number(id.slice(1));
      let found = false;
      for (const b of batches) {
        if (id[0] === 'n') {
          const i = Array.from(b.nodes.id).indexOf(num);
          if (i < 0) continue;
          found = true;
          expect(Math.abs(b.nodes.lon[i] - Number(f.x))).toBeLessThan(1e-7);
          expect(Math.abs(b.nodes.lat[i] - Number(f.y))).toBeLessThan(1e-7);
          expect(Object.keys(tagsOf(b.nodes, i))).toHaveLength(tagCount);
        } else if (id[0] === 'w') {
          const i = Array.from(b.ways.id).indexOf(num);
          if (i < 0) continue;
          found = true;
          const tags = tagsOf(b.ways, i);
          expect(Object.keys(tags)).toHaveLength(tagCount);
          expect(tags.amenity).toBe('university');
          expect(tags.name).toBe('北京师范大学');
          expect(Array.from(b.ways.refs.subarray(b.ways.refOffset[i], b.ways.refOffset[i + 1])).map((r) => `n${r}`).join(',')).toBe(f.N);
        } else {
          const r = b.relations.find((x) => x.id === num);
          if (!r) continue;
          found = true;
          expect(Object.keys(r.tags)).toHaveLength(tagCount);
          expect(r.tags.type).toBe('route_master');
          expect(r.members.map((m) => `${m.type[0]}${m.ref}@${m.role}`).join(',')).toBe(f.M);
        }
      }
      expect(found, id).toBe(true);
    }
  });

  it('reads the header: bbox, generator, features, replication timestamp and sequence', async () => {
    const file = join(DATA, 'beijing-haidian-cau.osm.pbf');
    const info = JSON.parse(osmium(['fileinfo', '-j', file]));
    const h = await openOsm(file).header();
    const box = info.header.boxes[0] as number[];
    h.bbox!.forEach((v, i) => expect(v).toBeCloseTo(box[i], 9));
    expect(h.generator).toBe(info.header.option.generator);
    expect(h.requiredFeatures).toEqual(['OsmSchema-V0.6', 'DenseNodes']);

    const ts = join(tmp, 'replication.osm.pbf');
    osmium([
      'cat', join(DATA, 'beijing-bupt.osm.pbf'), '-o', ts, '-O',
      '--output-header=osmosis_replication_timestamp=2024-05-01T12:00:00Z',
      '--output-header=osmosis_replication_sequence_number=1234',
      '--output-header=generator=opencim-test',
    ]);
    const h2 = await openOsm(ts).header();
    expect(h2.timestamp).toBe('2024-05-01T12:00:00Z');
    expect(h2.replicationSequence).toBe(1234);
    expect(h2.generator).toBe('opencim-test');
  });

  it('reports progress up to the file size', async () => {
    const file = join(DATA, 'shenzhen-longgang.osm.pbf');
    const seen: number[] = [];
    let total = 0;
    await readAll(openPbf(file, { workers: 0, onProgress: (n, t) => (seen.push(n), (total = t)) }));
    expect(total).toBe(readFileSync(file).length);
    expect(seen.at(-1)).toBe(total);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('PBF variants written by osmium give identical entities', () => {
  const base = join(DATA, 'beijing-haidian-cau.osm.pbf');
  const variants: [string, string[]][] = [
    ['plain nodes (pbf_dense_nodes=false)', ['cat', '-f', 'pbf,pbf_dense_nodes=false']],
    ['uncompressed blobs (pbf_compression=none)', ['cat', '-f', 'pbf,pbf_compression=none']],
    ['lz4 blobs (pbf_compression=lz4)', ['cat', '-f', 'pbf,pbf_compression=lz4']],
    ['no metadata (add_metadata=false)', ['cat', '-f', 'pbf,add_metadata=false']],
    ['locations on ways', ['add-locations-to-ways', '--keep-untagged-nodes', '-f', 'pbf']],
  ];
  let expected: Map<string, string>;
  beforeAll(async () => {
    expected = batchEntities(await readAll(openPbf(base, { workers: 0 })));
  });
  variants.forEach(([name, args], i) => {
    it(name, async () => {
      const out = join(tmp, `variant-${i}.osm.pbf`);
      osmium([...args, base, '-o', out, '-O']);
      const r = openOsm(out, { workers: 0 });
      const h = await r.header();
      if (name.startsWith('plain')) expect(h.requiredFeatures).not.toContain('DenseNodes');
      if (name.startsWith('locations')) expect([...h.requiredFeatures, ...h.optionalFeatures]).toContain('LocationsOnWays');
      const got = batchEntities(await readAll(r));
      expect(got.size).toBe(expected.size);
      expect(diffEntities(got, expected)).toEqual([]);
    });
  });
});

describe('worker threads', () => {
  it('workers: 2 and workers: 0 give identical batches', { timeout: 30_000 }, async () => {
    for (const f of ['shenzhen-longgang.osm.pbf', 'beijing-haidian-cau.osm.pbf']) {
      const file = join(DATA, f);
      const a = await readAll(openPbf(file, { workers: 0 }));
      const b = await readAll(openPbf(file, { workers: 2 }));
      expect(b.length).toBeGreaterThan(1);
      expect(b).toEqual(a);
    }
    expect(liveWorkerCount()).toBe(0);
  });

  it('breaking out early terminates the workers', { timeout: 30_000 }, async () => {
    const file = join(DATA, 'shenzhen-longgang.osm.pbf');
    let first: OsmBatch | undefined;
    for await (const b of openPbf(file, { workers: 2 }).batches()) {
      first = b;
      expect(liveWorkerCount()).toBeGreaterThan(0);
      break;
    }
    expect(first!.nodes.count).toBeGreaterThan(0);
    expect(liveWorkerCount()).toBe(0);
  });

  it('a process that breaks out early exits by itself', { timeout: 60_000 }, async () => {
    const script = `
      import { openOsm } from ${JSON.stringify(join(ROOT, 'src/ingest/osm/index.ts'))};
      for await (const b of openOsm(${JSON.stringify(join(DATA, 'shenzhen-longgang.osm.pbf'))}, { workers: 2 }).batches()) {
        console.log('nodes', b.nodes.count);
        break;
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | string>((res) => {
      const timer = setTimeout(() => {
        child.kill();
        res('timeout');
      }, 45_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        res(c ?? -1);
      });
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/nodes \d+/);
  });

  it('works from compiled JavaScript (dist/ingest/osm/pbf-worker.js)', { timeout: 60_000 }, async () => {
    const dist = join(tmp, 'dist');
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: ['src/model/errors.ts', 'src/ingest/osm/*.ts'].map((p) => join(ROOT, p)),
      outbase: join(ROOT, 'src'),
      outdir: join(dist, 'dist'),
      format: 'esm',
      platform: 'node',
      bundle: false,
      logLevel: 'silent',
    });
    writeFileSync(join(dist, 'package.json'), '{"type":"module"}');
    symlinkSync(join(ROOT, 'node_modules'), join(dist, 'node_modules'));
    const file = join(DATA, 'beijing-haidian-cau.osm.pbf');
    const script = `
      import { openOsm } from './dist/ingest/osm/index.js';
      let n = 0, w = 0, r = 0;
      for await (const b of openOsm(${JSON.stringify(file)}, { workers: 2 }).batches()) { n += b.nodes.count; w += b.ways.count; r += b.relations.length; }
      console.log(JSON.stringify({ nodes: n, ways: w, relations: r }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dist, encoding: 'utf8', timeout: 45_000 });
    const c = osmiumCounts(file);
    expect(JSON.parse(out)).toEqual({ nodes: c.nodes, ways: c.ways, relations: c.relations });
  });
});

describe('bad PBF input', () => {
  const src = join(DATA, 'beijing-haidian-cau.osm.pbf');
  const bytes = new Uint8Array(readFileSync(src));
  const layout = blobLayout(bytes);
  const write = (name: string, data: Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, data);
    return p;
  };

  it('has the layout the tests assume', () => {
    expect(layout[0].type).toBe('OSMHeader');
    expect(layout.length).toBeGreaterThan(3);
    expect(layout.slice(1).every((b) => b.type === 'OSMData')).toBe(true);
  });

  for (const workers of [0, 2]) {
    it(`truncated inside a blob: error names the block and its byte offset (workers: ${workers})`, { timeout: 30_000 }, async () => {
      const b = layout[2];
      const cut = write(`cut-${workers}.osm.pbf`, bytes.subarray(0, b.dataStart + ((b.dataEnd - b.dataStart) >> 1)));
      const seen: number[] = [];
      const err = await expectIngestError(
        (async () => {
          for await (const batch of openOsm(cut, { workers }).batches()) seen.push(batch.seq);
        })(),
        /truncated/,
      );
      expect(err.location).toBe(`block 2 at byte ${b.offset}`);
      expect(err.message).toContain(cut);
      expect(err.problem).toMatch(/^文件不完整：OSMData 数据块需要 (\d+) 字节，只剩 (\d+) 字节（文件大小 (\d+) 字节） \/ truncated file: OSMData blob needs \1 bytes, only \2 left \(file size \3 bytes\)$/);
      expect(seen).toEqual([1]); // the block before the cut still comes out, in order
    });

    it(`corrupted zlib data (workers: ${workers})`, { timeout: 30_000 }, async () => {
      const b = layout[1];
      const pl = blobPayload(bytes, b);
      expect(pl.field).toBe(3); // zlib_data
      const bad = bytes.slice();
      bad.fill(0xff, pl.start + 40, pl.start + 80);
      const f = write(`zlib-${workers}.osm.pbf`, bad);
      const err = await expectIngestError(readAll(openOsm(f, { workers })), /zlib/);
      expect(err.location).toBe(`block 1 at byte ${b.offset}`);
      // the decoder's reason, from a worker thread or not, in both languages
      expect(err.problem).toMatch(/^zlib 数据损坏（(.+)） \/ bad zlib data \(\1\)$/);
    });
  }

  it('truncated inside a blob length', async () => {
    const b = layout[3];
    const f = write('cut-len.osm.pbf', bytes.subarray(0, b.offset + 2));
    const err = await expectIngestError(readAll(openOsm(f, { workers: 0 })), /truncated/);
    expect(err.location).toBe(`block 3 at byte ${b.offset}`);
  });

  it('truncated inside the blob header', async () => {
    const b = layout[3];
    const f = write('cut-hdr.osm.pbf', bytes.subarray(0, b.offset + 8));
    const err = await expectIngestError(readAll(openOsm(f, { workers: 0 })), /truncated/);
    expect(err.location).toBe(`block 3 at byte ${b.offset}`);
  });

  it('malformed protobuf inside an uncompressed block', async () => {
    const raw = join(tmp, 'raw.osm.pbf');
    osmium(['cat', '-f', 'pbf,pbf_compression=none', src, '-o', raw, '-O']);
    const rb = new Uint8Array(readFileSync(raw));
    const lay = blobLayout(rb);
    const pl = blobPayload(rb, lay[1]);
    expect(pl.field).toBe(1); // raw
    expect(rb[pl.start]).toBe(0x0a); // PrimitiveBlock.stringtable
    rb.set([0xff, 0xff, 0xff, 0xff, 0x0f], pl.start + 1); // its length: 4 GiB
    const f = write('badproto.osm.pbf', rb);
    const err = await expectIngestError(readAll(openOsm(f, { workers: 0 })), /past the end/);
    expect(err.location).toBe(`block 1 at byte ${lay[1].offset}`);
  });

  it('bad blob header size', async () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(0, 100_000);
    const err = await expectIngestError(readAll(openPbf(write('hsize.osm.pbf', bad))), /bad blob header size 100000/);
    expect(err.problem).toMatch(/^数据块头大小 100000 无效（应为 1\.\.65536）：不是 OSM PBF 文件，或文件已损坏 \/ bad blob header size 100000 \(must be 1\.\.65536\)/);
    expect(err.location).toBe('block 0 at byte 0');
  });

  it('blob too large', async () => {
    const head = bytes.subarray(0, layout[1].offset);
    const f = write('huge.osm.pbf', concat(head, frame('OSMData', new Uint8Array(16), 40 << 20)));
    const err = await expectIngestError(readAll(openPbf(f, { workers: 0 })), /blob too large/);
    expect(err.location).toBe(`block 1 at byte ${layout[1].offset}`);
  });

  it('LZMA blobs are refused with a clear message', async () => {
    const head = bytes.subarray(0, layout[1].offset);
    const f = write('lzma.osm.pbf', concat(head, frame('OSMData', rawBlob(new Uint8Array([1, 2, 3]), 4))));
    await expectIngestError(readAll(openPbf(f, { workers: 0 })), /LZMA.*not supported/);
  });

  it('history files (required feature HistoricalInformation) are refused', async () => {
    const hb = frame('OSMHeader', rawBlob(headerBlock(['OsmSchema-V0.6', 'DenseNodes', 'HistoricalInformation'])));
    const f = write('history.osm.pbf', concat(hb, bytes.subarray(layout[1].offset)));
    const h = await expectIngestError(openOsm(f).header(), /unsupported features: HistoricalInformation/);
    expect(h.problem).toBe('文件需要不支持的特性：HistoricalInformation（不支持历史文件） / file requires unsupported features: HistoricalInformation (history files are not supported)');
    const err = await expectIngestError(readAll(openOsm(f)), /HistoricalInformation/);
    expect(err.location).toBe('block 0 at byte 0');
  });

  it('unknown blob types are skipped', async () => {
    const extra = frame('X-Unknown', new Uint8Array([1, 2, 3, 4]));
    const f = write('unknown.osm.pbf', concat(bytes.subarray(0, layout[1].offset), extra, bytes.subarray(layout[1].offset)));
    const got = batchEntities(await readAll(openOsm(f, { workers: 0 })));
    const want = batchEntities(await readAll(openOsm(src, { workers: 0 })));
    expect(diffEntities(got, want)).toEqual([]);
  });

  it('random corruption of an uncompressed file: every outcome is a result or an IngestError', { timeout: 30_000 }, async () => {
    const raw = join(tmp, 'fuzz-src.osm.pbf');
    osmium(['cat', '-f', 'pbf,pbf_compression=none', join(DATA, 'beijing-bupt.osm.pbf'), '-o', raw, '-O']);
    const orig = new Uint8Array(readFileSync(raw));
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let failed = 0;
    for (let it = 0; it < 150; it++) {
      const b = orig.slice();
      for (let k = 0; k < 3; k++) {
        const pos = Math.floor(rnd() * b.length);
        if (rnd() < 0.7) b[pos] = Math.floor(rnd() * 256);
        else b.fill(0xff, pos, pos + 8);
      }
      const f = write('fuzz.osm.pbf', b);
      try {
        await readAll(openPbf(f, { workers: 0 }));
      } catch (e) {
        if (!(e instanceof IngestError)) throw new Error(`iteration ${it}: ${(e as Error).stack}`);
        expect(e.location).toMatch(/^block \d+ at byte \d+$/);
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(50);
  });

  it('empty, missing and non-OSM files', async () => {
    await expectIngestError(readAll(openOsm(write('empty.osm.pbf', new Uint8Array(0)))), /empty file/);
    const missing = await expectIngestError(readAll(openOsm(join(tmp, 'nope.osm.pbf'))), /cannot open: ENOENT/);
    expect(missing.problem).toBe('无法打开文件：ENOENT / cannot open: ENOENT');
    const junk = await expectIngestError(openOsm(write('junk.bin', new TextEncoder().encode('hello world, not osm'))).header(), /not an OSM file/);
    expect(junk.problem).toMatch(/^不是 OSM 文件：应为 OSM PBF（以 BlobHeader 开头）或 OSM XML（以 <\?xml 或 <osm 开头） \/ not an OSM file/);
  });
});
