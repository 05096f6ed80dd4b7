import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestError } from '../../src/model/errors.js';
import { openOsm, tagsOf } from '../../src/ingest/osm/index.js';
import { openOsmXml, XML_BATCH_SIZE } from '../../src/ingest/osm/xml-reader.js';
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
  readAll,
  requireOsmium,
} from './osm-helpers.js';

const XML = join(DATA, 'beijing-haidian-cau.osm');
let tmp: string;

beforeAll(() => {
  requireOsmium();
  tmp = mkdtempSync(join(tmpdir(), 'opencim-osm-xml-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function write(name: string, text: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
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

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="hand">\n`;

describe('XML reader against osmium', () => {
  it('beijing-haidian-cau.osm: counts, tags, coordinates, refs and members equal osmium', async () => {
    const batches = await readAll(openOsm(XML));
    const c = countEntities(batches);
    const info = osmiumCounts(XML);
    expect({ nodes: c.nodes, ways: c.ways, relations: c.relations }).toEqual({ nodes: info.nodes, ways: info.ways, relations: info.relations });
    expect(keyCount(batches, 'ways', 'building')).toBe(osmiumKeyCount(XML, 'way', 'building'));
    expect(keyCount(batches, 'nodes', 'amenity')).toBe(osmiumKeyCount(XML, 'node', 'amenity'));
    const ref = oplEntities(XML);
    expect(c.taggedNodes).toBe([...ref].filter(([k, v]) => k[0] === 'n' && !v.endsWith(' []')).length);
    expect(diffEntities(batchEntities(batches), ref)).toEqual([]);
  });

  it('gives exactly the same entities as the PBF of the same data (coordinates bit for bit)', async () => {
    const x = await readAll(openOsm(XML));
    const p = await readAll(openOsm(join(DATA, 'beijing-haidian-cau.osm.pbf'), { workers: 0 }));
    const key = (bs: typeof x) => {
      const m = new Map<number, [number, number]>();
      for (const b of bs) for (let i = 0; i < b.nodes.count; i++) m.set(b.nodes.id[i], [b.nodes.lon[i], b.nodes.lat[i]]);
      return m;
    };
    expect(key(x)).toEqual(key(p));
    expect(diffEntities(batchEntities(x), batchEntities(p))).toEqual([]);
  });

  it('reads the header: bounds and generator', async () => {
    const h = await openOsm(XML).header();
    expect(h.bbox).toEqual([116.34403, 39.99767, 116.35974, 40.00888]);
    expect(h.generator).toMatch(/^openstreetmap-cgimap/);
    const t = write('t.osm', `<?xml version="1.0"?>\n<osm version="0.6" generator="Overpass API" timestamp="2024-05-01T12:00:00Z"><bound box="39.9,116.3,40.0,116.4" origin="x"/></osm>`);
    const h2 = await openOsm(t).header();
    expect(h2.timestamp).toBe('2024-05-01T12:00:00Z');
    expect(h2.bbox).toEqual([116.3, 39.9, 116.4, 40]);
    const m = write('m.osm', `<osm version="0.6" generator="Overpass API 0.7"><meta osm_base="2024-06-02T03:04:05Z"/><node id="1" lat="1" lon="2"/></osm>`);
    expect((await openOsm(m).header()).timestamp).toBe('2024-06-02T03:04:05Z');
  });

  it('emits batches of 8000 entities', async () => {
    const big = join(tmp, 'shenzhen.osm');
    osmium(['cat', join(DATA, 'shenzhen-longgang.osm.pbf'), '-o', big, '-O']);
    const batches = await readAll(openOsmXml(big));
    const sizes = batches.map((b) => b.nodes.count + b.ways.count + b.relations.length);
    const info = osmiumCounts(big);
    const total = info.nodes + info.ways + info.relations;
    expect(sizes).toEqual([XML_BATCH_SIZE, total - XML_BATCH_SIZE]);
    expect(batches.map((b) => b.seq)).toEqual([0, 1]);
    expect(diffEntities(batchEntities(batches), oplEntities(join(DATA, 'shenzhen-longgang.osm.pbf')))).toEqual([]);
  });

  it('reads gzip-compressed XML', async () => {
    const gz = write('haidian.osm.gz', gzipSync(readFileSync(XML)));
    const a = batchEntities(await readAll(openOsm(gz)));
    const b = batchEntities(await readAll(openOsm(XML)));
    expect(a.size).toBe(b.size);
    expect(diffEntities(a, b)).toEqual([]);
  });

  it('skips deleted and invisible entities, keeps tags, refs and members', async () => {
    const f = write(
      'edit.osm',
      HEAD +
        `<node id="1" lat="39.5" lon="116.25"><tag k="amenity" v="school"/><tag k="name" v="学校 &amp; co"/></node>
         <node id="2" lat="39.6" lon="116.3" action="delete"><tag k="x" v="y"/></node>
         <node id="3" lat="39.7" lon="116.4" visible="false"/>
         <node id="-4" lat="-1e-3" lon="0"/>
         <way id="10"><nd ref="1"/><nd ref="-4"/><tag k="highway" v="footway"/></way>
         <way id="11" action="delete"><nd ref="1"/></way>
         <relation id="20"><member type="way" ref="10" role="outer"/><member type="node" ref="1" role=""/><tag k="type" v="multipolygon"/></relation>
         <relation id="21" visible="false"><member type="way" ref="10" role="outer"/></relation>
        </osm>`,
    );
    const [b, ...rest] = await readAll(openOsm(f));
    expect(rest).toEqual([]);
    expect(Array.from(b.nodes.id)).toEqual([1, -4]);
    expect(Array.from(b.nodes.lat)).toEqual([39.5, -0.001]);
    expect(tagsOf(b.nodes, 0)).toEqual({ amenity: 'school', name: '学校 & co' });
    expect(tagsOf(b.nodes, 1)).toEqual({});
    expect(Array.from(b.ways.id)).toEqual([10]);
    expect(Array.from(b.ways.refs)).toEqual([1, -4]);
    expect(tagsOf(b.ways, 0)).toEqual({ highway: 'footway' });
    expect(b.relations).toEqual([
      {
        id: 20,
        members: [
          { type: 'way', ref: 10, role: 'outer' },
          { type: 'node', ref: 1, role: '' },
        ],
        tags: { type: 'multipolygon' },
      },
    ]);
  });

  it('osmChange: entities inside <delete> are skipped', async () => {
    const f = write(
      'change.osc',
      `<?xml version="1.0"?><osmChange version="0.6" generator="t"><create><node id="1" lat="1" lon="1"/></create>` +
        `<delete><node id="2" lat="1" lon="1"/><way id="3"><nd ref="2"/></way></delete><modify><node id="4" lat="2" lon="2"/></modify></osmChange>`,
    );
    const bs = await readAll(openOsm(f));
    expect(bs.flatMap((b) => Array.from(b.nodes.id))).toEqual([1, 4]);
    expect(bs.reduce((s, b) => s + b.ways.count, 0)).toBe(0);
  });
});

describe('bad XML input', () => {
  it('a broken tag: error with line and column', async () => {
    const f = write('broken.osm', HEAD + `<node id="1" lat="1" lon="1"/>\n<node id="2" lat="1" lon="1"<tag k="a" v="b"/>\n</osm>\n`);
    const err = await expectIngestError(readAll(openOsm(f)), /malformed XML/);
    expect(err.location).toMatch(/^line 4, column \d+$/);
    expect(err.message).toContain(f);
    expect(err.problem).toMatch(/^XML 格式错误：(.+) \/ malformed XML: \1$/); // the parser's reason in both halves
  });

  it('unclosed document', async () => {
    const f = write('unclosed.osm', HEAD + `<node id="1" lat="1" lon="1">\n<tag k="a" v="b"/>\n`);
    await expectIngestError(readAll(openOsm(f)), /malformed XML/);
  });

  it('a node without lat/lon', async () => {
    const f = write('nolat.osm', HEAD + `<node id="1" lat="1" lon="1"/>\n<node id="77" lon="1"/>\n</osm>`);
    const err = await expectIngestError(readAll(openOsm(f)), /node 77 without lat/);
    expect(err.location).toMatch(/^line 4, column \d+$/);
    expect(err.problem).toBe('node 77 缺少 lat 属性 / node 77 without lat');
  });

  it('a non-numeric id or coordinate', async () => {
    const a = write('badid.osm', HEAD + `\n\n<way id="w12"><nd ref="1"/></way></osm>`);
    const e1 = await expectIngestError(readAll(openOsm(a)), /non-numeric id "w12"/);
    expect(e1.location).toMatch(/^line 5,/);
    const b = write('badref.osm', HEAD + `<way id="12"><nd ref="abc"/></way></osm>`);
    await expectIngestError(readAll(openOsm(b)), /non-numeric ref "abc"/);
    const c = write('badlat.osm', HEAD + `<node id="1" lat="north" lon="1"/></osm>`);
    await expectIngestError(readAll(openOsm(c)), /non-numeric lat/);
    const d = write('range.osm', HEAD + `<node id="1" lat="91" lon="1"/></osm>`);
    const e4 = await expectIngestError(readAll(openOsm(d)), /lat 91 out of range/);
    expect(e4.problem).toBe('node 1 的 lat 91 超出范围 / node 1 has lat 91 out of range');
  });

  it('a truncated file', async () => {
    const text = readFileSync(XML, 'utf8');
    const f = write('cut.osm', text.slice(0, text.length >> 1));
    await expectIngestError(readAll(openOsm(f)), /malformed XML/);
  });

  /** where byte `at` (0-based) of `bytes` is, as a reader of the text says it: line, column (characters, 1-based) and byte (1-based) */
  const placeOf = (bytes: Buffer, at: number) => {
    const before = bytes.subarray(0, at);
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const line = before.filter((b) => b === 0x0a).length + 1;
    return `line ${line}, column ${[...before.subarray(lineStart).toString('utf8')].length + 1}`;
  };

  it('invalid UTF-8: the line, column and byte of the bad sequence, not of the chunk it is in; decompressed bytes for .osm.gz', async () => {
    const bytes = Buffer.from(readFileSync(XML));
    const at = bytes.indexOf('v="', 1_000_000) + 3; // inside a tag value, well past the first 256 KiB chunk
    bytes[at] = 0xff;
    const f = write('bad-utf8.osm', bytes);
    const e = await expectIngestError(readAll(openOsm(f)), /invalid UTF-8/);
    expect(e.location).toBe(`${placeOf(bytes, at)}, byte ${at + 1}`);
    expect(e.problem).toBe('不是有效的 UTF-8 文本 / invalid UTF-8');
    const gz = write('bad-utf8.osm.gz', gzipSync(bytes));
    const g = await expectIngestError(readAll(openOsm(gz)), /invalid UTF-8/);
    expect(g.location).toBe(`${placeOf(bytes, at)}, decompressed byte ${at + 1}`);
  });

  it('invalid UTF-8 in a character cut by a chunk boundary, or by the end of the file: where the character starts', async () => {
    const start = HEAD + '<node id="1" lat="1" lon="1"><tag k="name" v="';
    const pad = 'a'.repeat(256 * 1024 - 1 - Buffer.byteLength(start)); // the lead byte of 中 last in the first chunk
    const good = Buffer.from(`${start}${pad}中关"/></node></osm>`);
    const at = Buffer.byteLength(start + pad);
    expect(at).toBe(256 * 1024 - 1);
    const cut = Buffer.from(good);
    cut[at + 1] = 0x41; // not a continuation byte
    for (const [name, bytes] of [['cut.osm', cut], ['cut.osm.gz', gzipSync(cut)]] as const) {
      const e = await expectIngestError(readAll(openOsm(write(name, bytes))), /invalid UTF-8/);
      expect(e.location, name).toBe(`${placeOf(cut, at)}, ${name.endsWith('.gz') ? 'decompressed ' : ''}byte ${at + 1}`);
    }
    const end = Buffer.from(`${start}中`).subarray(0, -1); // the file ends inside 中
    const e = await expectIngestError(readAll(openOsm(write('end.osm', end))), /invalid UTF-8/);
    expect(e.location).toBe(`${placeOf(end, end.length - 2)}, byte ${end.length - 1}`);
  });

  it('bad gzip data says it counts compressed bytes', async () => {
    const gz = gzipSync(readFileSync(XML));
    gz.writeUInt32LE(gz.readUInt32LE(gz.length - 8) ^ 1, gz.length - 8); // the CRC
    const e = await expectIngestError(readAll(openOsm(write('crc.osm.gz', gz))), /bad gzip data/);
    const n = Number(/^near compressed byte (\d+)$/.exec(e.location ?? '')?.[1]);
    expect(n).toBeGreaterThan(gz.length - 64 * 1024);
    expect(n).toBeLessThanOrEqual(gz.length);
  });

  it('not OSM XML', async () => {
    const f = write('other.xml', `<?xml version="1.0"?><kml><Placemark/></kml>`);
    const e = await expectIngestError(readAll(openOsm(f)), /not an OSM XML file/);
    expect(e.problem).toBe('根元素为 <kml>：不是 OSM XML 文件 / root element <kml>: not an OSM XML file');
  });
});
