/**
 * The generated city, checked from the outside: osmium reads the files, and the counts, taxonomy
 * categories, walk network, residential rule and gaps are recomputed here from osmium's OPL output
 * (with the rules of reference/facility-taxonomy.md written out again, independently of
 * src/generate/classify.ts) and compared with the summary that generateCity returns.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCity, type GenerateSummary } from '../../src/generate/index.js';
import { CATEGORY_NAME_KEYWORDS, WordPool, cnNumber } from '../../src/generate/names.js';
import { centroid, fileinfo, metres, osmium, parseOpl, pointInRing, ringArea, tagsCount, wayCoords, type OsmData, type Ring, type Tags } from './osmium.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-city-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEED = Number(process.env.OPENCIM_TEST_SEED ?? 7);
const N = 2000;
const pbf = join(dir, 'city.osm.pbf');
const pbf2 = join(dir, 'city-again.osm.pbf');
const pbfOther = join(dir, 'city-seed8.osm.pbf');
const xml = join(dir, 'city.osm');
let summary: GenerateSummary;
let d: OsmData;
let opl: string;

beforeAll(async () => {
  const progress: number[] = [];
  summary = await generateCity({ out: pbf, buildings: N, seed: SEED, onProgress: (done, total) => progress.push(done / total) });
  expect(progress.at(-1)).toBe(1);
  await generateCity({ out: pbf2, buildings: N, seed: SEED });
  await generateCity({ out: pbfOther, buildings: N, seed: SEED + 1 });
  await generateCity({ out: xml, buildings: N, seed: SEED });
  opl = osmium(['cat', '-f', 'opl', pbf]);
  d = parseOpl(opl);
});

// ---- the taxonomy rules, written out again for the test

const one = (v: string | undefined, ...o: string[]) => v !== undefined && o.includes(v);
const list = (v: string | undefined, x: string) => v !== undefined && v.split(';').map((s) => s.trim()).includes(x);
const named = (t: Tags, ...subs: string[]) => t.name !== undefined && subs.some((s) => t.name.includes(s));
const RULES: Record<string, (t: Tags, area: boolean) => boolean> = {
  kindergarten: (t) => t.amenity === 'kindergarten',
  childcare: (t) => t.amenity === 'childcare',
  // the taxonomy's alternatives all qualify amenity=school (a bus stop named 第三小学站 is no school)
  primary_school: (t) => t.amenity === 'school' && (list(t['isced:level'], '1') || t.school === 'primary' || named(t, '小学')),
  middle_school: (t) => t.amenity === 'school' && (list(t['isced:level'], '2') || list(t['isced:level'], '3') || named(t, '中学', '初中', '高中')),
  clinic: (t) => one(t.amenity, 'clinic', 'doctors') || one(t.healthcare, 'clinic', 'doctor', 'centre'),
  hospital: (t) => t.amenity === 'hospital' || t.healthcare === 'hospital',
  pharmacy: (t) => t.amenity === 'pharmacy' || t.shop === 'chemist' || t.healthcare === 'pharmacy',
  elderly_care: (t) =>
    (t.amenity === 'social_facility' && list(t['social_facility:for'], 'senior')) ||
    one(t.social_facility, 'nursing_home', 'assisted_living') ||
    t.amenity === 'nursing_home' ||
    named(t, '养老', '敬老', '老年', '日间照料'),
  community_service: (t) =>
    one(t.amenity, 'community_centre', 'social_centre') ||
    (t.office === 'government' && (t.government ?? '').includes('community')) ||
    named(t, '社区服务', '居委会', '社区居民委员会', '党群服务'),
  supermarket: (t) => one(t.shop, 'supermarket', 'convenience', 'general', 'department_store'),
  fresh_market: (t) => t.amenity === 'marketplace' || one(t.shop, 'greengrocer', 'butcher', 'seafood', 'farm') || named(t, '菜市场', '农贸市场'),
  express_delivery: (t) => one(t.amenity, 'post_office', 'parcel_locker') || t.shop === 'outpost' || t.office === 'courier',
  sports: (t) => one(t.leisure, 'sports_centre', 'pitch', 'fitness_centre', 'fitness_station', 'track', 'stadium', 'playground'),
  park: (t, area) => area && ((one(t.leisure, 'park', 'garden') && t.access !== 'private') || t.landuse === 'recreation_ground' || t.leisure === 'nature_reserve'),
  bus_stop: (t) => t.highway === 'bus_stop' || (t.public_transport === 'platform' && t.bus === 'yes') || t.amenity === 'bus_station',
  metro_station: (t) =>
    (one(t.railway, 'station', 'halt', 'subway_entrance') && (one(t.station, 'subway', 'light_rail') || t.subway === 'yes')) ||
    (t.public_transport === 'station' && t.subway === 'yes'),
  public_toilet: (t) => t.amenity === 'toilets',
  culture: (t) => one(t.amenity, 'library', 'community_centre', 'arts_centre', 'theatre') || t.tourism === 'museum',
  waste_collection: (t) => one(t.amenity, 'waste_disposal', 'recycling', 'waste_transfer_station'),
  ev_charging: (t) => t.amenity === 'charging_station',
  fire_station: (t) => t.amenity === 'fire_station',
};
const NOT_WALK = ['abandoned', 'bus_guideway', 'construction', 'cycleway', 'motor', 'planned', 'platform', 'proposed', 'raceway', 'motorway', 'motorway_link'];
function walkable(t: Tags): boolean {
  if (!t.highway || NOT_WALK.includes(t.highway)) return false;
  if (t.foot === 'no' || t.service === 'private' || t.area === 'yes') return false;
  if ((t.access === 'private' || t.access === 'no') && !one(t.foot, 'yes', 'designated', 'permissive')) return false;
  return true;
}
const RES_VALUES = ['residential', 'apartments', 'house', 'detached', 'semidetached_house', 'terrace', 'dormitory', 'bungalow', 'farm', 'hut'];

const closed = (refs: number[]) => refs.length >= 4 && refs[0] === refs[refs.length - 1];

/** polygons of landuse=residential: outer rings with their holes */
function residentialPolygons(): { outer: Ring; inners: Ring[] }[] {
  const out: { outer: Ring; inners: Ring[] }[] = [];
  for (const w of d.ways.values()) if (w.tags.landuse === 'residential' && closed(w.refs)) out.push({ outer: wayCoords(d, w), inners: [] });
  for (const r of d.relations.values()) {
    if (r.tags.landuse !== 'residential' || r.tags.type !== 'multipolygon') continue;
    const ring = (role: string) => r.members.filter((m) => m.role === role).map((m) => wayCoords(d, d.ways.get(m.ref)!));
    const [outer] = ring('outer');
    out.push({ outer, inners: ring('inner') });
  }
  return out;
}

describe('generated city (2000 buildings)', () => {
  it('is deterministic: same seed gives the same bytes, another seed another city', () => {
    const a = readFileSync(pbf);
    expect(a.equals(readFileSync(pbf2))).toBe(true);
    expect(a.equals(readFileSync(pbfOther))).toBe(false);
    expect(summary.bytes).toBe(a.length);
  });

  it('is about the requested size and in a Chinese city', () => {
    expect(summary.buildings).toBeGreaterThan(N * 0.85);
    expect(summary.buildings).toBeLessThan(N * 1.15);
    const [w, s, e, n] = summary.bbox;
    expect(w).toBeGreaterThan(113.5);
    expect(e).toBeLessThan(115);
    expect(s).toBeGreaterThan(30);
    expect(n).toBeLessThan(31);
    expect(summary.district).toMatch(/区$/);
  });

  it('is accepted by osmium, and osmium counts what the summary says', () => {
    const info = fileinfo(pbf);
    expect(info.data.count).toMatchObject({ nodes: summary.nodes, ways: summary.ways, relations: summary.relations });
    expect(info.data.objects_ordered).toBe(true);
    expect(info.data.bbox).toEqual(summary.bbox);
    const [hw, hs, he, hn] = info.header.boxes[0];
    const [w, s, e, n] = summary.bbox;
    expect(hw <= w && hs <= s && he >= e && hn >= n).toBe(true);
    const refs = osmium(['check-refs', '-r', pbf], { withStderr: true });
    for (const what of ['Nodes in ways', 'Nodes in relations', 'Ways in relations', 'Relations in relations']) expect(refs).toMatch(new RegExp(what.replace(/ /g, '\\s+') + '\\s+missing: 0\\b'));
    const c = tagsCount(pbf, ['building', 'landuse=residential', 'amenity=kindergarten', 'amenity=childcare', 'amenity=fire_station', 'boundary=administrative', 'highway']);
    expect(c.building).toBe(summary.buildings);
    expect(c['landuse=residential']).toBe(summary.residentialAreas);
    expect(c['amenity=kindergarten']).toBe(summary.facilities.kindergarten);
    expect(c['amenity=childcare']).toBe(summary.facilities.childcare);
    expect(c['amenity=fire_station']).toBe(summary.facilities.fire_station);
    const admin = summary.adminAreas.district + summary.adminAreas.street + summary.adminAreas.community;
    // boundary ways carry the tag too
    const boundaryWays = [...d.ways.values()].filter((w) => w.tags.boundary === 'administrative').length;
    expect(c['boundary=administrative']).toBe(admin + boundaryWays);
    expect(c.highway).toBe(summary.highways + [...d.nodes.values()].filter((n) => n.tags.highway).length);
  });

  it('writes the same data as OSM XML and as PBF', () => {
    expect(osmium(['cat', '-f', 'opl', xml]) === opl).toBe(true);
    const info = fileinfo(xml);
    expect(info.data.count).toMatchObject({ nodes: summary.nodes, ways: summary.ways, relations: summary.relations });
  });

  it('has every taxonomy category, with the counts the summary gives', () => {
    const counts: Record<string, number> = Object.fromEntries(Object.keys(RULES).map((k) => [k, 0]));
    const count = (t: Tags, area: boolean) => {
      for (const [k, rule] of Object.entries(RULES)) if (rule(t, area)) counts[k]++;
    };
    for (const n of d.nodes.values()) count(n.tags, false);
    for (const w of d.ways.values()) count(w.tags, closed(w.refs) && !w.tags.highway && !w.tags.boundary);
    for (const r of d.relations.values()) count(r.tags, r.tags.type === 'multipolygon');
    for (const k of Object.keys(RULES)) expect(counts[k], k).toBeGreaterThan(0);
    expect(counts).toEqual(summary.facilities);
    // facilities as nodes and as polygons, and some known by name only
    expect([...d.nodes.values()].some((n) => n.tags.amenity === 'kindergarten')).toBe(true);
    expect([...d.ways.values()].some((w) => w.tags.amenity === 'kindergarten')).toBe(true);
    expect([...d.ways.values()].some((w) => w.tags.amenity === 'school')).toBe(true);
    const nameOnly = [...d.nodes.values(), ...d.ways.values()].filter((f) => f.tags.name && !f.tags.amenity && !f.tags.shop && !f.tags.leisure && !f.tags.healthcare && !f.tags.highway && !f.tags.landuse && !f.tags.boundary && !f.tags.building && !f.tags.railway && !f.tags.public_transport && !f.tags.natural && !f.tags.tourism);
    expect(nameOnly.some((f) => /小学|养老|老年|日间照料|社区服务|居委会|党群服务|菜市场|农贸市场/.test(f.tags.name))).toBe(true);
    expect(summary.parks).toBe(counts.park);
  });

  it('has parks of every size class and a private garden', () => {
    const parks = [...d.ways.values()].filter((w) => RULES.park(w.tags, closed(w.refs)));
    const areas = parks.map((w) => ringArea(wayCoords(d, w)));
    expect(areas.some((a) => a >= 2000 && a < 5000)).toBe(true);
    expect(areas.some((a) => a >= 5000)).toBe(true);
    expect([...d.ways.values()].some((w) => w.tags.leisure === 'garden' && w.tags.access === 'private')).toBe(true);
    expect(summary.parkSizes.from2000to5000).toBeGreaterThan(0);
    expect(summary.parkSizes.atLeast5000).toBeGreaterThan(0);
  });

  it('has buildings with heights, levels and ages like real data, mostly building=yes, that hardly overlap', () => {
    const bs = [...d.ways.values()].filter((w) => w.tags.building);
    const yes = bs.filter((w) => w.tags.building === 'yes').length;
    expect(yes / bs.length).toBeGreaterThan(0.4);
    expect(bs.some((w) => w.tags.building === 'apartments')).toBe(true);
    expect(bs.some((w) => w.tags.building === 'residential')).toBe(true);
    const heights = bs.map((w) => Number(w.tags.height)).filter((h) => h > 0);
    expect(heights.filter((h) => h > 80).length).toBeGreaterThan(0);
    expect(heights.filter((h) => h > 100).length).toBeGreaterThan(0);
    expect(summary.buildingsOver80m).toBe(heights.filter((h) => h > 80).length);
    expect(bs.filter((w) => w.tags['building:levels']).length / bs.length).toBeGreaterThan(0.4);
    const years = bs.map((w) => Number(w.tags.start_date)).filter((y) => y > 0);
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1960);
    expect(Math.max(...years)).toBeLessThanOrEqual(2024);
    expect(years.filter((y) => y <= 1995).length).toBeGreaterThan(10);
    // overlaps: the grid is turned; find its angle from the longest arterial, turn footprints
    // back to the grid's axes (local metres), then sweep their bounding boxes along x
    const [lon0, lat0] = summary.bbox;
    const kx = Math.cos((lat0 * Math.PI) / 180) * 111320;
    const ky = 110574;
    const local = (q: [number, number]) => [(q[0] - lon0) * kx, (q[1] - lat0) * ky];
    const arterial = [...d.ways.values()].filter((w) => w.tags.highway === 'primary').sort((a, b) => b.refs.length - a.refs.length)[0];
    const ac = wayCoords(d, arterial).map(local);
    let angle = Math.atan2(ac.at(-1)![1] - ac[0][1], ac.at(-1)![0] - ac[0][0]);
    while (angle > Math.PI / 4) angle -= Math.PI / 2;
    while (angle <= -Math.PI / 4) angle += Math.PI / 2;
    const cos = Math.cos(-angle);
    const sin = Math.sin(-angle);
    const boxes = bs.map((w) => {
      const c = wayCoords(d, w).map(local).map(([x, y]) => [x * cos - y * sin, x * sin + y * cos]);
      const xs = c.map((p) => p[0]);
      const ys = c.map((p) => p[1]);
      return [Math.min(...xs) + 0.05, Math.min(...ys) + 0.05, Math.max(...xs) - 0.05, Math.max(...ys) - 0.05];
    });
    boxes.sort((a, b) => a[0] - b[0]);
    let overlaps = 0;
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length && boxes[j][0] < boxes[i][2]; j++) if (boxes[j][1] < boxes[i][3] && boxes[j][3] > boxes[i][1]) overlaps++;
    expect(overlaps).toBeLessThanOrEqual(bs.length * 0.005);
  });

  it('counts residential buildings by the taxonomy rule (tag, or building=yes inside residential landuse)', () => {
    const polys = residentialPolygons();
    expect(polys.some((p) => p.inners.length > 0)).toBe(true); // multipolygon compounds with a hole
    const boxes = polys.map((p) => {
      const xs = p.outer.map((q) => q[0]);
      const ys = p.outer.map((q) => q[1]);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    });
    let residential = 0;
    let byLanduseOnly = 0;
    for (const w of d.ways.values()) {
      const b = w.tags.building;
      if (!b || b === 'no') continue;
      if (RES_VALUES.includes(b)) {
        residential++;
        continue;
      }
      if (b !== 'yes') continue;
      const c = centroid(wayCoords(d, w));
      const inside = polys.some((p, k) => {
        const [x0, y0, x1, y1] = boxes[k];
        if (c[0] < x0 || c[0] > x1 || c[1] < y0 || c[1] > y1) return false;
        return pointInRing(c, p.outer) && !p.inners.some((h) => pointInRing(c, h));
      });
      if (inside) {
        residential++;
        byLanduseOnly++;
      }
    }
    expect(residential).toBe(summary.residentialBuildings);
    expect(byLanduseOnly / residential).toBeGreaterThan(0.5); // as in Chinese OSM data
  });

  it('has a connected walk network with the ways the walk filter must drop', () => {
    const walk = [...d.ways.values()].filter((w) => walkable(w.tags));
    expect(walk.length).toBe(summary.walkableWays);
    const hw = [...d.ways.values()].filter((w) => w.tags.highway);
    expect(hw.some((w) => w.tags.highway === 'motorway')).toBe(true);
    expect(hw.some((w) => w.tags.foot === 'no')).toBe(true);
    expect(hw.some((w) => w.tags.access === 'private')).toBe(true);
    // a river crossed by bridges on the major lines only
    expect([...d.ways.values()].some((w) => w.tags.natural === 'water' && w.tags.water === 'river')).toBe(true);
    expect(hw.some((w) => w.tags.bridge === 'yes' && w.tags.highway !== 'motorway')).toBe(true);
    for (const v of ['primary', 'secondary', 'tertiary', 'residential', 'footway', 'service']) expect(hw.some((w) => w.tags.highway === v), v).toBe(true);
    // union-find over walkable ways' nodes
    const parent = new Map<number, number>();
    const find = (x: number): number => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const w of walk) for (const n of w.refs) if (!parent.has(n)) parent.set(n, n);
    for (const w of walk) for (let i = 1; i < w.refs.length; i++) parent.set(find(w.refs[i]), find(w.refs[0]));
    const size = new Map<number, number>();
    for (const n of parent.keys()) size.set(find(n), (size.get(find(n)) ?? 0) + 1);
    const largest = Math.max(...size.values());
    expect(largest / parent.size).toBeGreaterThan(0.9);
    // streets meet at shared nodes: intersections used by 3+ walkable ways exist in numbers
    const uses = new Map<number, number>();
    for (const w of walk) for (const n of new Set(w.refs)) uses.set(n, (uses.get(n) ?? 0) + 1);
    expect([...uses.values()].filter((u) => u >= 3).length).toBeGreaterThan(summary.blocks.columns * summary.blocks.rows * 0.5);
  });

  it('leaves realistic gaps: some compounds have no kindergarten within 300 m, or no park within 500 m', () => {
    const kg: [number, number][] = [];
    const parks: [number, number][] = [];
    for (const n of d.nodes.values()) if (n.tags.amenity === 'kindergarten') kg.push([n.lon, n.lat]);
    for (const w of d.ways.values()) {
      if (w.tags.amenity === 'kindergarten') kg.push(...wayCoords(d, w));
      if (RULES.park(w.tags, closed(w.refs))) parks.push(...wayCoords(d, w));
    }
    const polys = residentialPolygons();
    const far = (pts: [number, number][], c: [number, number], m: number) => pts.every((p) => metres(p[0], p[1], c[0], c[1]) > m);
    let noKg = 0;
    let noPark = 0;
    for (const p of polys) {
      const c = centroid(p.outer);
      if (far(kg, c, 300)) noKg++;
      if (far(parks, c, 500)) noPark++;
    }
    expect(noKg).toBeGreaterThan(0);
    expect(noKg).toBeLessThan(polys.length); // but not everywhere
    expect(noPark).toBeGreaterThan(0);
  });

  it('tiles the city with admin areas: one district, several streets, communities, with Chinese names', () => {
    const rels = [...d.relations.values()].filter((r) => r.tags.boundary === 'administrative');
    const byLevel = (l: string) => rels.filter((r) => r.tags.admin_level === l);
    expect(byLevel('6').length).toBe(1);
    expect(byLevel('8').length).toBeGreaterThanOrEqual(2);
    expect(byLevel('10').length).toBeGreaterThan(byLevel('8').length);
    expect(summary.adminAreas).toEqual({ district: 1, street: byLevel('8').length, community: byLevel('10').length });
    expect(byLevel('6')[0].tags.name).toMatch(/区$/);
    for (const r of byLevel('8')) expect(r.tags.name).toMatch(/街道$/);
    for (const r of byLevel('10')) expect(r.tags.name).toMatch(/社区$/);
    expect(new Set(byLevel('10').map((r) => r.tags.name)).size).toBe(byLevel('10').length);
    // osmium assembles every area; streets and communities each add up to the district
    const geo = osmium(['export', '-f', 'geojsonseq', '-x', 'print_record_separator=false', pbf])
      .split('\n')
      .filter((l) => l.includes('"admin_level"') && l.includes('MultiPolygon'))
      .map((l) => JSON.parse(l) as { properties: Tags; geometry: { coordinates: Ring[][] } });
    expect(geo.length).toBe(rels.length);
    const areaOf = (l: string) => geo.filter((g) => g.properties.admin_level === l).reduce((s, g) => s + g.geometry.coordinates.reduce((a, poly) => a + ringArea(poly[0]), 0), 0);
    expect(areaOf('8') / areaOf('6')).toBeCloseTo(1, 3);
    expect(areaOf('10') / areaOf('6')).toBeCloseTo(1, 3);
  });
});

describe('names', () => {
  it('place words never trigger the name rules of the taxonomy by accident', () => {
    const pool = new WordPool(42);
    const words = Array.from({ length: pool.size * 2 }, (_, i) => pool.word(i));
    expect(new Set(words).size).toBe(words.length);
    for (const w of words) for (const k of CATEGORY_NAME_KEYWORDS) expect(w.includes(k), w).toBe(false);
    expect([1, 3, 10, 12, 20, 35, 101, 110].map(cnNumber)).toEqual(['一', '三', '十', '十二', '二十', '三十五', '一百零一', '一百一十']);
  });
});

describe('generateCity edge cases', () => {
  it('rejects an unknown extension and a bad building count', async () => {
    await expect(generateCity({ out: join(dir, 'x.geojson'), buildings: 10, seed: 1 })).rejects.toThrow(/format/);
    await expect(generateCity({ out: join(dir, 'x.osm'), buildings: 0, seed: 1 })).rejects.toThrow(/buildings/);
  });

  it('makes a tiny city with every category too', async () => {
    const out = join(dir, 'tiny.osm.pbf');
    const s = await generateCity({ out, buildings: 1, seed: 123 });
    expect(s.buildings).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(s.facilities)) expect(v, k).toBeGreaterThan(0);
    expect(osmium(['check-refs', '-r', out], { withStderr: true })).toMatch(/Nodes\s+in ways\s+missing: 0\b/);
  });
});
