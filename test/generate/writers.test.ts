import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPbfWriter } from '../../src/generate/pbf-writer.js';
import { createXmlWriter } from '../../src/generate/xml-writer.js';
import { formatE7, formatFromPath, type OsmWriter } from '../../src/generate/osm-writer.js';
import { fileinfo, osmium, readOsm } from './osmium.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BIG = 2 ** 40 + 7; // ids beyond 32 bits

/** 20,000 nodes (3 PBF blocks), 9,001 ways, 3 relations incl. one with a relation member */
async function writeSample(w: OsmWriter): Promise<number> {
  for (let i = 1; i <= 20000; i++) {
    const tags = i % 1000 === 0 ? { name: `第${i}号 "A&B" <x>, y=z`, amenity: 'bench', note: 'line1\nline2\ttab' } : undefined;
    w.addNode(i, 114.3 + (i % 200) * 1e-4 - 0.01, 30.5 + Math.floor(i / 200) * 1e-4, tags);
  }
  w.addNode(BIG, -0.0000001, -33.9, ['name', '南极以北']);
  for (let i = 1; i <= 9000; i++) w.addWay(i, [i, i + 1, i + 2, i], ['highway', 'footway', 'name', `路${i}`]);
  w.addWay(BIG, [1, BIG]);
  w.addRelation(1, [
    { type: 'way', ref: 1, role: 'outer' },
    { type: 'way', ref: 2, role: 'inner' },
  ], { type: 'multipolygon', landuse: 'residential', name: '小区' });
  w.addRelation(2, [
    { type: 'node', ref: BIG, role: 'label' },
    { type: 'relation', ref: 1, role: '' },
  ], { type: 'collection' });
  w.addRelation(BIG, [], { type: 'empty' });
  await w.drain();
  return w.close();
}

describe('OSM writers', () => {
  const pbf = join(dir, 'sample.osm.pbf');
  const xml = join(dir, 'sample.osm');

  it('writes a PBF that osmium reads completely, with header, order and refs intact', async () => {
    const bytes = await writeSample(createPbfWriter(pbf, { bbox: [114.28, 30.49, 114.32, 30.61] }));
    expect(bytes).toBe(readFileSync(pbf).length);
    const info = fileinfo(pbf);
    expect(info.data.count).toMatchObject({ nodes: 20001, ways: 9001, relations: 3 });
    expect(info.data.objects_ordered).toBe(true);
    expect(info.header.option.generator).toBe('opencim');
    expect(info.header.option.sorting).toBe('Type_then_ID');
    expect(info.header.boxes[0]).toEqual([114.28, 30.49, 114.32, 30.61]);
    const refs = osmium(['check-refs', '-r', pbf], { withStderr: true });
    expect(refs).toMatch(/Nodes\s+in ways\s+missing: 0/);
    expect(refs).toMatch(/Relations in relations missing: 0/);
  });

  it('keeps coordinates, tags, roles and big ids exactly', () => {
    const d = readOsm(pbf);
    expect(d.nodes.get(1000)?.tags.name).toBe('第1000号 "A&B" <x>, y=z');
    expect(d.nodes.get(1000)?.tags.note).toBe('line1\nline2\ttab');
    expect(d.nodes.get(BIG)).toMatchObject({ lon: -0.0000001, lat: -33.9, tags: { name: '南极以北' } });
    expect(d.nodes.get(20000)?.lon).toBeCloseTo(114.29, 7);
    expect(d.ways.get(BIG)?.refs).toEqual([1, BIG]);
    expect(d.ways.get(9000)?.refs).toEqual([9000, 9001, 9002, 9000]);
    expect(d.relations.get(2)?.members).toEqual([
      { type: 'n', ref: BIG, role: 'label' },
      { type: 'r', ref: 1, role: '' },
    ]);
    expect(d.relations.get(BIG)?.members).toEqual([]);
  });

  it('writes the same data as OSM XML', async () => {
    await writeSample(createXmlWriter(xml, { bbox: [114.28, 30.49, 114.32, 30.61] }));
    expect(readFileSync(xml, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<osm version="0.6" generator="opencim">\n  <bounds minlat="30.4900000"/);
    const a = osmium(['cat', '-f', 'opl', pbf]);
    const b = osmium(['cat', '-f', 'opl', xml]);
    expect(b.length).toBeGreaterThan(1000);
    expect(b === a).toBe(true);
  });

  it('uncompressed PBF blobs are valid too', async () => {
    const raw = join(dir, 'raw.osm.pbf');
    const w = createPbfWriter(raw, { compressionLevel: 0 });
    w.addNode(1, 1, 2);
    w.addWay(1, [1]);
    await w.close();
    expect(fileinfo(raw).data.count).toMatchObject({ nodes: 1, ways: 1, relations: 0 });
  });

  it('refuses entities out of order and reports write errors', async () => {
    for (const make of [createPbfWriter, createXmlWriter]) {
      const w = make(join(dir, 'order' + (make === createPbfWriter ? '.pbf' : '.osm')));
      w.addNode(5, 0, 0);
      expect(() => w.addNode(5, 0, 0)).toThrow(/increase/);
      w.addWay(1, [5]);
      expect(() => w.addNode(6, 0, 0)).toThrow(/after ways/);
      await w.close();
      const bad = make(join(dir, 'no-such-dir', 'x.osm.pbf'));
      bad.addNode(1, 0, 0);
      await expect(bad.close()).rejects.toThrow(/ENOENT/);
    }
  });

  it('formats fixed-point degrees without float noise and picks the format from the name', () => {
    expect(formatE7(1143000001)).toBe('114.3000001');
    expect(formatE7(-1)).toBe('-0.0000001');
    expect(formatE7(0)).toBe('0.0000000');
    expect(formatFromPath('a/city.osm.pbf')).toBe('pbf');
    expect(formatFromPath('city.PBF')).toBe('pbf');
    expect(formatFromPath('city.osm')).toBe('xml');
    expect(() => formatFromPath('city.geojson')).toThrow(/format/);
  });
});
