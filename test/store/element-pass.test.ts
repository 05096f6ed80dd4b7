/**
 * The importer's element pass (issue 9: a re-import costs what changed): elements the store holds
 * with the same fingerprint are skipped before any record is made of them. Every case compares
 * the store that skipped with a control store that read the same files in full (its memory of the
 * elements forgotten before each import): the same counts, the same current records, the same
 * content hashes. And the skip must really happen, or the speed is not there.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFiles } from '../../src/app/import.js';
import { openStore, type Store } from '../../src/store/driver.js';
import { classifyFeature, LAND_USE_KEYS } from '../../src/model/classify.js';
import { nodeFingerprint, rulesDigest, WayFingerprint } from '../../src/ingest/osm-model/elements.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';

type Way = { id: number; nodes: number[]; tags: Record<string, string> };
interface City { nodes: Map<number, [number, number]>; ways: Way[]; tagged: { id: number; tags: Record<string, string> }[] }

const ring = (first: number) => [first, first + 1, first + 2, first + 3, first];
function baseCity(): City {
  const nodes = new Map<number, [number, number]>();
  const square = (first: number, x: number, y: number, d: number) => {
    nodes.set(first, [x, y]); nodes.set(first + 1, [x + d, y]); nodes.set(first + 2, [x + d, y + d]); nodes.set(first + 3, [x, y + d]);
  };
  square(1, 116.300, 39.900, 0.01); // residential land use
  square(11, 116.302, 39.902, 0.0005); // building=yes inside it: residential by land use
  square(21, 116.320, 39.902, 0.0005); // building=yes outside
  square(31, 116.304, 39.904, 0.0005); // apartments
  square(41, 116.306, 39.906, 0.0008); // a school: building and facility
  nodes.set(51, [116.300, 39.899]); nodes.set(52, [116.310, 39.899]); nodes.set(53, [116.320, 39.899]);
  nodes.set(61, [116.305, 39.905]); // a shop
  return {
    nodes,
    ways: [
      { id: 100, nodes: ring(1), tags: { landuse: 'residential', name: '小区' } },
      { id: 101, nodes: ring(11), tags: { building: 'yes' } },
      { id: 102, nodes: ring(21), tags: { building: 'yes' } },
      { id: 103, nodes: ring(31), tags: { building: 'apartments', 'building:levels': '6' } },
      { id: 104, nodes: ring(41), tags: { building: 'school', amenity: 'school', name: '第一小学' } },
      { id: 105, nodes: [51, 52, 53], tags: { highway: 'footway' } },
    ],
    tagged: [{ id: 61, tags: { shop: 'convenience', name: '便利店' } }],
  };
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const tagXml = (t: Record<string, string>) => Object.entries(t).map(([k, v]) => `<tag k="${esc(k)}" v="${esc(v)}"/>`).join('');
function write(c: City, name: string): string {
  const f = join(tempDir('elements-'), name);
  const tagged = new Map(c.tagged.map((n) => [n.id, n.tags]));
  const nodes = [...c.nodes].sort((a, b) => a[0] - b[0]).map(([id, [lon, lat]]) => `  <node id="${id}" lat="${lat}" lon="${lon}" version="1">${tagXml(tagged.get(id) ?? {})}</node>`);
  const ways = c.ways.map((w) => `  <way id="${w.id}" version="1">${w.nodes.map((n) => `<nd ref="${n}"/>`).join('')}${tagXml(w.tags)}</way>`);
  writeFileSync(f, `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n${[...nodes, ...ways].join('\n')}\n</osm>\n`);
  return f;
}

const TABLES = ['buildings', 'facilities', 'land_use', 'walk_edges'];
/** what a store holds now: every current record's key, version and content hash, and a building's flag */
async function holdings(store: Store): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    out[t] = (await store.query<{ r: string }>(
      `SELECT id || ${t === 'facilities' ? `'/' || category` : `''`} || ' v' || version || ' ' || encode(content_hash, 'hex')${t === 'buildings' ? ` || ' res=' || residential` : ''} AS r
       FROM ${t}_current WHERE city_id = 'c' ORDER BY 1`)).map((x) => x.r);
  }
  return out;
}

describe.each(DRIVERS)('element pass on re-import ($name)', (driver) => {
  it('skips the unchanged elements and writes exactly what a full read writes, land use changes and a lost memory included', { timeout: 120_000 }, async () => {
    const skipping = await openStore(await driver.fresh());
    const control = await openStore(await driver.fresh());
    try {
      const both = async (file: string) => {
        await control.exec('DELETE FROM import_element_sets; DELETE FROM import_elements');
        const [s] = await importFiles(skipping, [file], { city: 'c', actor: 'test', sourceId: 'osm', workers: 0 });
        const [c] = await importFiles(control, [file], { city: 'c', actor: 'test', sourceId: 'osm', workers: 0 });
        const counts = (x: typeof s) => ({ added: x.added, changed: x.changed, unchanged: x.unchanged, removed: x.removed, counts: x.counts, residential: x.residential_buildings, problems: x.problems });
        expect(counts(s)).toEqual(counts(c));
        expect(c.elements_skipped).toBe(0);
        expect(await holdings(skipping)).toEqual(await holdings(control));
        return s;
      };
      const city = baseCity();
      const first = await both(write(city, 'a.osm'));
      expect(first.added).toBeGreaterThan(0);
      expect(first.elements_skipped).toBe(0);

      // the same file again: every element but the land use (always read) is skipped, nothing written
      const again = await both(write(city, 'a2.osm'));
      expect(again.elements_skipped).toBe(6); // five ways (the land use aside) and the shop
      expect({ added: again.added, changed: again.changed, removed: again.removed }).toEqual({ added: 0, changed: 0, removed: 0 });

      // a node moved, a tag changed, a way gone, a building new
      city.nodes.set(22, [116.3206, 39.9021]);
      city.tagged[0].tags.name = '新便利店';
      city.ways = city.ways.filter((w) => w.id !== 105);
      city.nodes.set(71, [116.330, 39.910]); city.nodes.set(72, [116.331, 39.910]); city.nodes.set(73, [116.331, 39.911]); city.nodes.set(74, [116.330, 39.911]);
      city.ways.push({ id: 106, nodes: ring(71), tags: { building: 'residential' } });
      const edited = await both(write(city, 'b.osm'));
      expect(edited.elements_skipped).toBe(3); // 101, 103, 104
      expect({ added: edited.added, changed: edited.changed, removed: edited.removed }).toEqual({ added: 1, changed: 2, removed: 1 });

      // the land use shrinks away from building 101: the pass finds it moved and reads the file in full; 101 is no longer residential
      city.nodes.set(2, [116.3015, 39.900]); city.nodes.set(3, [116.3015, 39.910]);
      const moved = await both(write(city, 'c.osm'));
      expect(moved.elements_skipped).toBe(0);
      const flag = await skipping.query<{ residential: boolean }>(`SELECT residential FROM buildings_current WHERE city_id = 'c' AND id = 'w101'`);
      expect(flag[0].residential).toBe(false);
      // and the memory is whole again after the full read
      expect((await both(write(city, 'c2.osm'))).elements_skipped).toBe(6);

      // a memory made by other rules, or lost (UNLOGGED tables after a crash): a full read, the same result
      await skipping.exec(`UPDATE import_element_sets SET rules = 'other'`);
      expect((await both(write(city, 'c3.osm'))).elements_skipped).toBe(0);
      await skipping.exec('TRUNCATE import_elements');
      expect((await both(write(city, 'c4.osm'))).elements_skipped).toBe(0);
      expect((await both(write(city, 'c5.osm'))).elements_skipped).toBe(6);
    } finally {
      await skipping.close();
      await control.close();
    }
  });
});

describe('element fingerprints', () => {
  it('change with any tag, node or location, and not otherwise', () => {
    const kv = ['building', 'yes', 'name', 'A'];
    const n = nodeFingerprint(kv, 0, 2, 116.3, 39.9);
    expect(nodeFingerprint([...kv], 0, 2, 116.3, 39.9)).toBe(n);
    expect(nodeFingerprint(['building', 'yes', 'name', 'B'], 0, 2, 116.3, 39.9)).not.toBe(n);
    expect(nodeFingerprint(kv, 0, 1, 116.3, 39.9)).not.toBe(n);
    expect(nodeFingerprint(kv, 0, 2, 116.3000001, 39.9)).not.toBe(n);
    const way = (nodes: [number, boolean, number, number][], tags = kv) => {
      const f = new WayFingerprint();
      f.begin(tags, 0, tags.length / 2, nodes.length);
      for (const [id, located, x, y] of nodes) f.node(id, located, x, y);
      return f.end();
    };
    const w = way([[1, true, 10, 20], [2, true, 11, 21]]);
    expect(way([[1, true, 10, 20], [2, true, 11, 21]])).toBe(w);
    expect(way([[1, true, 10, 20], [2, true, 11, 22]])).not.toBe(w);
    expect(way([[1, true, 10, 20], [3, true, 11, 21]])).not.toBe(w);
    expect(way([[1, true, 10, 20], [2, false, 0, 0]])).not.toBe(w);
    expect(way([[2, true, 11, 21], [1, true, 10, 20]])).not.toBe(w);
    expect(way([[1, true, 10, 20], [2 + 2 ** 40, true, 11, 21]])).not.toBe(w);
    expect(way([[1, true, 10, 20], [2, true, 11, 21]], ['building', 'yes', 'name', 'A', 'height', '9'])).not.toBe(w);
    expect(rulesDigest()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the keys the pass never skips are exactly those that make land use', () => {
    const square = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]] as [number, number][]] };
    for (const tags of [{ landuse: 'retail' }, { residential: 'urban' }, { landuse: 'residential', building: 'yes' }, { building: 'yes' }, { leisure: 'park' }, { amenity: 'school', name: 'x' }]) {
      const makes = classifyFeature('w1', tags, square).some((r) => r.kind === 'land_use');
      expect(makes, JSON.stringify(tags)).toBe(Object.keys(tags).some((k) => LAND_USE_KEYS.has(k)));
    }
  });
});
