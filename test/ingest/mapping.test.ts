import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../src/model/errors.js';
import type { GeoFeature } from '../../src/ingest/features.js';
import { readGeoJSON } from '../../src/ingest/geojson.js';
import { categoryTags, classifyFeatures, mapFeatures, parseMapping, type FeatureMapping, type MappedFeature } from '../../src/ingest/mapping.js';
import { joinLines, tilezenTags } from '../../src/ingest/nextzen.js';
import { classifyFeature } from '../../src/model/classify.js';
import type { Geometry } from '../../src/model/geometry.js';
import type { CityRecord, IngestProblem } from '../../src/model/types.js';

const DATA = resolve(import.meta.dirname, '../../../shared/data');
function dataFile(name: string): string {
  const p = join(DATA, name);
  if (!existsSync(p)) throw new Error(`missing test data ${p}`);
  return p;
}

async function* source(items: Omit<GeoFeature, 'index'>[]): AsyncGenerator<GeoFeature> {
  let index = 0;
  for (const f of items) yield { index: index++, ...f };
}
async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}
async function failure(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IngestError);
    return e as IngestError;
  }
  throw new Error('expected an IngestError');
}

const pt: Geometry = { type: 'Point', coordinates: [116.35, 39.96] };
const poly: Geometry = {
  type: 'Polygon',
  coordinates: [
    [
      [116.35, 39.96],
      [116.351, 39.96],
      [116.351, 39.961],
      [116.35, 39.961],
      [116.35, 39.96],
    ],
  ],
};
const line: Geometry = { type: 'LineString', coordinates: [[116.35, 39.96], [116.36, 39.96]] };

describe('parseMapping', () => {
  it('reads the CLI form and JSON', () => {
    expect(parseMapping('kind=building,height=HEIGHT,levels=FLOORS,name=NAME')).toEqual({
      kind: 'building',
      fields: { height: 'HEIGHT', levels: 'FLOORS', name: 'NAME' },
    });
    expect(parseMapping(' kind = facility , category = 类型 ')).toEqual({ kind: 'facility', fields: { category: '类型' } });
    expect(parseMapping('height=H')).toEqual({ fields: { height: 'H' } });
    expect(parseMapping('{"kind":"land_use","fields":{"use":"DLBM"}}')).toEqual({ kind: 'land_use', fields: { use: 'DLBM' } });
  });

  it('rejects what it does not understand', () => {
    expect(() => parseMapping('kind=house')).toThrow(/kind must be one of building, facility/);
    expect(() => parseMapping('kind=building,floors=F')).toThrow(/unknown key "floors"/);
    expect(() => parseMapping('kind=building,height')).toThrow(/not key=value/);
    expect(() => parseMapping('{"kind":"building","fields":{"colour":"C"}}')).toThrow(/unknown role "colour"/);
    expect(() => parseMapping('{"kind":"building","extra":1}')).toThrow(/unknown key "extra"/);
    expect(() => parseMapping('{"fields":{"height":""}}')).toThrow(/fields.height: expected a field name/);
    expect(() => parseMapping('{"fields":[1]}')).toThrow(/fields: expected an object/);
    expect(parseMapping('{"kind":"building","fields":{"height":"H"}}')).toEqual({ kind: 'building', fields: { height: 'H' } });
    expect(() => parseMapping('height=A,height=B')).toThrow(/twice/);
    // Chinese first, naming the same key and the same choices
    expect(() => parseMapping('kind=house')).toThrow(/^映射：kind 必须是 building、facility、green_space、land_use、admin_area、walk_edge 之一 \/ mapping: kind must be one of building, facility, green_space, land_use, admin_area, walk_edge$/);
    expect(() => parseMapping('kind=building,floors=F')).toThrow(/^映射：未知的键 "floors"（应为 kind、height、levels、use、year、name、category、id） \/ mapping: unknown key "floors"/);
  });
});

describe('mapFeatures', () => {
  it('passes OSM-looking properties through, with OSM ids', async () => {
    const out = await collect(
      mapFeatures(
        source([
          { id: 'way/123', geometry: poly, properties: { building: 'apartments', 'building:levels': 18, '@id': 'way/123', note: null } },
          { geometry: pt, properties: { amenity: 'kindergarten', name: '幼儿园' } },
          { geometry: line, properties: { foo: 'bar' } },
        ]),
        undefined,
        'x.geojson',
      ),
    );
    expect(out).toEqual([
      { id: 'w123', tags: { building: 'apartments', 'building:levels': '18' }, geometry: poly },
      { id: '1', tags: { amenity: 'kindergarten', name: '幼儿园' }, geometry: pt },
    ]);
  });

  it('no OSM-like tags and no mapping: an IngestError asking for a mapping', async () => {
    const e = await failure(collect(mapFeatures(source([{ geometry: poly, properties: { HEIGHT: 20 } }]), undefined, 'b.shp')));
    expect(e.file).toBe('b.shp');
    expect(e.message).toMatch(/give a mapping/);
    expect(e.problem).toMatch(/^没有要素带有类似 OSM 的标签.*请给出映射，如 --map kind=building,height=HEIGHT,name=NAME \/ no feature has OSM-like tags/);
  });

  it('kind=building with fields: height, levels, use (Chinese), year, name; source fields kept apart', async () => {
    const mapping = parseMapping('kind=building,height=HEIGHT,levels=floors,use=用途,year=建成年份,name=NAME,id=BID');
    const features = source([
      { geometry: poly, properties: { BID: 'B-1', HEIGHT: '54.5米', FLOORS: 18, 用途: '住宅', 建成年份: '1998年', NAME: '1号楼', building: '1号楼' } },
      { geometry: poly, properties: { BID: 'B-2', HEIGHT: 'unknown', FLOORS: null, 用途: '物业用房', 建成年份: null, NAME: null, building: null } },
    ]);
    const problems: IngestProblem[] = [];
    const out = await collect(mapFeatures(features, mapping, 'b.shp', { onProblem: (p) => problems.push(p) }));
    expect(out[0].id).toBe('B-1');
    expect(out[0].tags).toMatchObject({ building: 'residential', height: '54.5', 'building:levels': '18', start_date: '1998', name: '1号楼', NAME: '1号楼', 'src:building': '1号楼' });
    expect(out[1].tags).toMatchObject({ building: 'yes', 'building:use': '物业用房' });
    expect(out[1].tags.height).toBeUndefined();
    expect(problems).toEqual([{ id: 'B-2', problem: '高度 "unknown" 不是以米为单位的高度 / height "unknown" is not a height in metres' }]);
    const [rec] = classifyFeature(out[0].id, out[0].tags, out[0].geometry) as CityRecord[];
    expect(rec).toMatchObject({ kind: 'building', residential: true, height: 54.5, levels: 18, year: 1998, name: '1号楼' });
  });

  it('a mapped field that is not there is an IngestError listing the fields', async () => {
    const e = await failure(collect(mapFeatures(source([{ geometry: poly, properties: { H: 1, NAME: 'x' } }]), parseMapping('kind=building,height=HEIGHT'), 'b.shp')));
    expect(e.message).toMatch(/no field "HEIGHT" \(for height\); the fields are: H, NAME/);
    expect(e.message).toMatch(/^b\.shp \(mapping\): 没有字段 "HEIGHT"（用于 height）；现有的字段：H, NAME \/ /);
  });

  it('kind=facility: categories by id, Chinese name or key=value, classified into the taxonomy', async () => {
    const mapping: FeatureMapping = { kind: 'facility', fields: { category: '类型', name: '名称' } };
    const rows = [
      ['幼儿园', 'kindergarten'],
      ['社区卫生服务站', 'clinic'],
      ['primary_school', 'primary_school'],
      ['初中', 'middle_school'],
      ['养老院', 'elderly_care'],
      ['社区服务中心', 'community_service'],
      ['菜市场', 'fresh_market'],
      ['快递驿站', 'express_delivery'],
      ['公共厕所', 'public_toilet'],
      ['amenity=charging_station', 'ev_charging'],
      ['便利店;药店', 'supermarket,pharmacy'],
    ];
    const records = await collect(
      classifyFeatures(source(rows.map(([c]) => ({ geometry: pt, properties: { 类型: c, 名称: `设施${c}` } }))), mapping, 'f.csv'),
    );
    expect(records.length).toBe(rows.length);
    records.forEach((r, i) => {
      expect(r.kind).toBe('facility');
      expect((r as { categories: string[] }).categories.sort().join(','), rows[i][0]).toBe(rows[i][1].split(',').sort().join(','));
    });
    // every taxonomy id maps to tags that classify back to exactly that id
    for (const id of ['kindergarten', 'childcare', 'primary_school', 'middle_school', 'clinic', 'hospital', 'pharmacy', 'elderly_care', 'community_service', 'supermarket', 'fresh_market', 'express_delivery', 'sports', 'park', 'bus_stop', 'metro_station', 'public_toilet', 'culture', 'waste_collection', 'ev_charging', 'fire_station']) {
      const recs = classifyFeature('x', categoryTags(id)!, poly).filter((r) => r.kind === 'facility');
      expect(recs.length, id).toBe(1);
      expect((recs[0] as { categories: string[] }).categories, id).toEqual([id]);
    }
  });

  it('kind=land_use / green_space / walk_edge / admin_area', async () => {
    const lu = await collect(mapFeatures(source([{ geometry: poly, properties: { DLBM: 'R2' } }, { geometry: poly, properties: { DLBM: '0701' } }, { geometry: poly, properties: { DLBM: 'B1' } }]), parseMapping('kind=land_use,use=DLBM'), 'l.shp'));
    expect(lu.map((m) => m.tags.landuse)).toEqual(['residential', 'residential', 'retail']);
    const gs = await collect(mapFeatures(source([{ geometry: poly, properties: { T: '公园' } }, { geometry: poly, properties: { T: '街旁游园' } }]), parseMapping('kind=green_space,use=T'), 'g.shp'));
    expect(gs.map((m) => m.tags.leisure)).toEqual(['park', 'garden']);
    const roads = await collect(mapFeatures(source([{ geometry: line, properties: { DJ: '次干路' } }, { geometry: line, properties: { DJ: '人行道' } }]), parseMapping('kind=walk_edge,use=DJ'), 'r.shp'));
    expect(roads.map((m) => m.tags.highway)).toEqual(['secondary', 'footway']);
    const admin = await collect(mapFeatures(source([{ geometry: poly, properties: { L: '街道', N: '学院路街道' } }, { geometry: poly, properties: { L: '社区', N: '某社区' } }]), parseMapping('kind=admin_area,category=L,name=N'), 'a.shp'));
    expect(admin.map((m) => classifyFeature(m.id, m.tags, m.geometry)[0])).toMatchObject([
      { kind: 'admin_area', level: 'street', admin_level: 8, name: '学院路街道' },
      { kind: 'admin_area', level: 'community', admin_level: 10 },
    ]);
  });

  it('geometry that cannot be the kind is skipped and reported; all skipped is an error', async () => {
    const problems: IngestProblem[] = [];
    const out = await collect(mapFeatures(source([{ geometry: pt, properties: { H: 1 } }, { geometry: poly, properties: { H: 2 } }]), parseMapping('kind=building,height=H'), 'b.geojson', { onProblem: (p) => problems.push(p) }));
    expect(out.map((m) => m.id)).toEqual(['1']);
    expect(problems[0]).toEqual({ id: '0', problem: 'Point 不能作为 building，已跳过 / a Point cannot be a building, skipped' });
    const e = await failure(collect(mapFeatures(source([{ geometry: pt, properties: { H: 1 } }]), parseMapping('kind=building,height=H'), 'b.geojson')));
    expect(e.message).toMatch(/no feature could be mapped.*Point cannot be a building/);
    // each half names the feature and its problem in its own language
    expect(e.problem).toBe('没有要素能够映射（0: Point 不能作为 building，已跳过） / no feature could be mapped (0: a Point cannot be a building, skipped)');
  });

  it('a mapping without kind renames fields of OSM-like data', async () => {
    const out = await collect(mapFeatures(source([{ geometry: poly, properties: { building: 'yes', HGT: 30 } }]), parseMapping('height=HGT'), 'x.geojson'));
    expect(out[0].tags).toMatchObject({ building: 'yes', height: '30' });
  });
});

// ---------------------------------------------------------------------------------------------
// Tilezen / Nextzen: the two real exports

interface RawFeature {
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

/** Independent count, straight from the JSON: distinct ids of building polygons. */
function independentBuildingIds(file: string): Set<number> {
  const fc = JSON.parse(readFileSync(file, 'utf8')) as { features: RawFeature[] };
  const ids = new Set<number>();
  for (const f of fc.features) {
    const p = f.properties;
    // Tilezen's `layer` is sometimes overwritten by the OSM layer tag (a number): still a building
    const inLayer = p.layer === 'buildings' || typeof p.layer === 'number';
    if (inLayer && p.kind === 'building' && (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon')) ids.add(p.id as number);
  }
  return ids;
}

function raw(file: string): RawFeature[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { features: RawFeature[] }).features;
}

describe('Tilezen (Nextzen) exports', () => {
  const files = ['shanghai-bund-lujiazui-nextzen.geojson', 'wuhan-optics-valley-nextzen.geojson'];
  const mapped = new Map<string, Promise<MappedFeature[]>>();
  const load = (name: string) => {
    if (!mapped.has(name)) {
      const file = dataFile(name);
      mapped.set(name, collect(mapFeatures(readGeoJSON(file), undefined, file)));
    }
    return mapped.get(name)!;
  };

  for (const name of files) {
    it(`${name}: one building per distinct id after merging the tile pieces`, async () => {
      const out = await load(name);
      const buildings = out.filter((m) => m.tags.building !== undefined);
      const ids = buildings.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length); // merged: no id twice
      const expected = independentBuildingIds(dataFile(name));
      expect(expected.size).toBeGreaterThan(200);
      expect(new Set(ids)).toEqual(new Set([...expected].map((i) => (i < 0 ? `r${-i}` : `w${i}`))));
      // and they all become Building records
      const records = buildings.flatMap((m) => classifyFeature(m.id, m.tags, m.geometry)).filter((r) => r.kind === 'building');
      expect(records.length).toBe(expected.size);
    });
  }

  it('pieces of one building become one MultiPolygon of the distinct pieces', async () => {
    const name = files[0];
    const pieces = new Map<number, Set<string>>();
    for (const f of raw(dataFile(name))) {
      const p = f.properties;
      if ((p.layer === 'buildings' || typeof p.layer === 'number') && p.kind === 'building' && f.geometry.type === 'Polygon') {
        const s = pieces.get(p.id as number) ?? new Set();
        s.add(JSON.stringify(f.geometry.coordinates));
        pieces.set(p.id as number, s);
      }
    }
    const multi = [...pieces].filter(([, s]) => s.size > 1);
    expect(multi.length).toBeGreaterThan(10);
    const out = new Map((await load(name)).map((m) => [m.id, m]));
    for (const [id, s] of multi) {
      const m = out.get(id < 0 ? `r${-id}` : `w${id}`)!;
      expect(m.geometry.type).toBe('MultiPolygon');
      expect((m.geometry as { coordinates: unknown[] }).coordinates.length).toBe(s.size);
    }
  });

  it('translates the schema to OSM tags the taxonomy understands', async () => {
    const name = files[0];
    const features = raw(dataFile(name));
    const out = await load(name);
    const byId = new Map(out.map((m) => [m.id, m]));

    // a building with layer=2 (the OSM layer tag) keeps it as a tag and keeps its height
    const hotel = byId.get('w164971673')!;
    expect(hotel.tags).toMatchObject({ building: 'commercial', height: '122', layer: '2', name: '文华东方酒店' });

    // roads: highway = kind_detail
    const road = features.find((f) => f.properties.layer === 'roads' && f.properties.kind_detail === 'secondary')!;
    expect(byId.get(`w${road.properties.id}`)!.tags.highway).toBe('secondary');

    // bus stops: one per distinct POI id of kind bus_stop or bus_station, independently counted
    const busIds = new Set(features.filter((f) => f.properties.layer === 'pois' && (f.properties.kind === 'bus_stop' || f.properties.kind === 'bus_station')).map((f) => f.properties.id));
    const facilities = out.flatMap((m) => classifyFeature(m.id, m.tags, m.geometry)).filter((r): r is Extract<CityRecord, { kind: 'facility' }> => r.kind === 'facility');
    expect(facilities.filter((f) => f.categories.includes('bus_stop')).length).toBe(busIds.size);

    // a school POI that labels a school grounds polygon becomes one amenity=school area
    const schoolArea = features.find((f) => f.properties.layer === 'landuse' && f.properties.kind === 'school' && f.geometry.type === 'Polygon')!;
    const school = byId.get(`w${schoolArea.properties.id}`)!;
    expect(school.tags.amenity).toBe('school');
    expect(school.geometry.type).toMatch(/Polygon/);
    expect(out.filter((m) => m.id === `n${schoolArea.properties.id}`)).toEqual([]);

    // parks: leisure=park polygons become public green spaces in the park category
    const parkIds = new Set(features.filter((f) => f.properties.layer === 'landuse' && f.properties.kind === 'park' && f.geometry.type !== 'Point').map((f) => f.properties.id));
    const greens = out.flatMap((m) => classifyFeature(m.id, m.tags, m.geometry)).filter((r) => r.kind === 'green_space' && (r as { green_kind: string }).green_kind === 'park');
    expect(greens.length).toBe(parkIds.size);

    // label points never become features of their own
    const labelIds = features.filter((f) => f.properties.label_placement === true && f.properties.layer === 'buildings').map((f) => `n${f.properties.id}`);
    expect(labelIds.length).toBeGreaterThan(100);
    expect(labelIds.filter((id) => byId.has(id))).toEqual([]);
  });

  it('tile-clipped roads are joined back where the pieces meet', async () => {
    const name = files[0];
    const pieces = new Map<number, number>();
    for (const f of raw(dataFile(name))) {
      if (f.properties.layer === 'roads' && f.geometry.type === 'LineString') pieces.set(f.properties.id as number, (pieces.get(f.properties.id as number) ?? 0) + 1);
    }
    const clipped = [...pieces].filter(([, k]) => k > 1).map(([id]) => `w${id}`);
    expect(clipped.length).toBeGreaterThan(20);
    const out = new Map((await load(name)).map((m) => [m.id, m]));
    const joined = clipped.filter((id) => out.get(id)?.geometry.type === 'LineString').length;
    expect(joined / clipped.length).toBeGreaterThan(0.8);
  });

  it('joinLines and tilezenTags on small cases', () => {
    expect(
      joinLines([
        [[2, 0], [3, 0]],
        [[0, 0], [1, 0]],
        [[1, 0], [2, 0]],
        [[5, 5], [6, 6]],
      ]),
    ).toEqual([
      [[0, 0], [1, 0], [2, 0], [3, 0]],
      [[5, 5], [6, 6]],
    ]);
    expect(tilezenTags('pois', { kind: 'station', is_subway: true, name: '陆家嘴' })).toMatchObject({ railway: 'station', station: 'subway', name: '陆家嘴' });
    expect(tilezenTags('pois', { kind: 'fitness' })).toEqual({ leisure: 'fitness_centre' });
    expect(tilezenTags('landuse', { kind: 'residential', sort_rank: 1, min_zoom: 14 })).toEqual({ landuse: 'residential' });
    expect(tilezenTags('landuse', { kind: 'pedestrian' })).toEqual({ highway: 'pedestrian', area: 'yes' });
    expect(tilezenTags('roads', { kind: 'path', kind_detail: 'footway', is_bridge: true, foot: 'yes', addr_street: 'x' })).toEqual({ highway: 'footway', bridge: 'yes', foot: 'yes', 'addr:street': 'x' });
    expect(tilezenTags('buildings', { kind: 'building_part', height: 26 })).toEqual({ 'building:part': 'yes', height: '26' });
  });
});
