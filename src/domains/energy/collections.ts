import type { CollectionSpec, PropertySpec } from '../../catalog/collections.js';

/**
 * The energy domain's OGC collections (the lead wires them into src/catalog/collections.ts):
 * every building's inventory of the latest carbon run (on its footprint, for the viewer's
 * colouring), the aggregates per unit, and the ranked retrofit candidates.
 */
const missingHint = 'no carbon inventory in the store yet: run `opencim carbon --db D --out DIR`';
const probe = "SELECT 1 FROM runs WHERE city_id = $1 AND kind = 'carbon' AND status = 'succeeded' LIMIT 1";
/** the Chinese label and unit of each column, declared once for the collections below */
const LABELS: Record<string, [string, string?]> = {
  electricity_kwh: ['年用电量', 'kWh'],
  gas_m3: ['年用气量', 'm³'],
  heat_gj: ['年用热量', 'GJ'],
  building_id: ['建筑编号'],
  account: ['计量户号'],
  address: ['地址'],
  use: ['用能分类'],
  climate_zone: ['建筑气候区'],
  era: ['建成年代'],
  floor_area_m2: ['建筑面积', 'm²'],
  floor_area_basis: ['面积依据'],
  eui_kwh_m2: ['单位面积能耗', 'kWh/m²'],
  co2e_kg: ['运行碳排放', 'kg'],
  co2e_kg_m2: ['单位面积碳排放', 'kg/m²'],
  basis: ['数据依据'],
  district_id: ['所属区'],
  street_id: ['所属街道'],
  community_id: ['所属社区'],
  level: ['层级'],
  area_id: ['单元编号'],
  name: ['单元名称'],
  kind: ['单元类型'],
  co2e_estimated_kg: ['其中估算碳排放', 'kg'],
  residents: ['估算居住人口', '人'],
  co2e_kg_per_m2: ['单位面积碳排放', 'kg/m²'],
  co2e_kg_per_resident: ['人均碳排放', 'kg/人'],
  savings_share: ['节能率假设'],
  saved_kwh: ['年节能量', 'kWh'],
  saved_co2e_kg: ['年减碳量', 'kg'],
};
const label = (name: string) => { const [title_zh, unit] = LABELS[name]; return { title_zh, ...(unit ? { unit } : {}) }; };
const n = (name: string, description: string, tile = false): PropertySpec => ({ name, sql: `t.${name}`, type: 'number', description, ...label(name), ...(tile ? { tile } : {}) });
const s = (name: string, description: string, tile = false): PropertySpec => ({ name, sql: `t.${name}`, type: 'string', description, ...label(name), ...(tile ? { tile } : {}) });
const run: PropertySpec = { name: 'run_id', sql: 't.run_id', type: 'integer', description: 'the carbon run the figures come from', title_zh: '碳盘查运行编号' };
const carriers = [
  n('electricity_kwh', 'electricity, kWh per year'), n('gas_m3', 'natural gas, m³ per year'), n('heat_gj', 'district heat, GJ per year'),
];

/**
 * For the `buildings` collection (one line in its properties): the latest carbon run's CO2e per m²
 * of each building as a tile property, which the viewer's `carbon` colour mode reads.
 */
export const BUILDING_CARBON_PROPERTY: PropertySpec = {
  name: 'co2e_kg_m2', type: 'number', tile: true, title_zh: '单位面积碳排放', unit: 'kg/m²',
  description: 'operational CO2e per m² of floor area, kg per year, from the latest carbon run (null: not in it)',
  sql: `(SELECT c.co2e_kg / NULLIF(c.floor_area_m2, 0) FROM carbon_buildings c WHERE c.city_id = t.city_id AND c.building_id = t.id
    AND c.run_id = (SELECT max(r.run_id) FROM runs r WHERE r.city_id = t.city_id AND r.kind = 'carbon' AND r.status = 'succeeded'))`,
};

export const ENERGY_COLLECTIONS: CollectionSpec[] = [
  {
    id: 'metered_energy', title: 'Metered building energy', title_zh: '建筑能耗计量数据',
    description: 'Metered annual use per building, year and account, as imported with `opencim carbon --metered` (versioned records in the archive: every import a change set with who and why); geometry = a point on the building.',
    from: `(SELECT m.*, ST_PointOnSurface(b.geom) AS pt FROM metered_energy_current m
      JOIN buildings_current b ON b.city_id = m.city_id AND b.id = m.building_id) t`,
    requires: ['metered_energy_versions', 'buildings_versions'],
    probe: 'SELECT 1 FROM metered_energy_current WHERE city_id = $1 LIMIT 1',
    missingHint: 'no metered data in the store yet: run `opencim carbon --db D --metered m.csv --out DIR`',
    key: [{ name: 'building_id', sql: 't.building_id' }, { name: 'year', sql: 't.year' }, { name: 'account', sql: 't.account' }],
    geometry: { sql: 't.pt', type: 'Point' },
    time: {
      name: 'year', description: 'the year of the readings',
      start: "make_timestamptz(t.year, 1, 1, 0, 0, 0, 'UTC')", end: "make_timestamptz(t.year + 1, 1, 1, 0, 0, 0, 'UTC')",
    },
    properties: [
      s('building_id', 'building'), { name: 'year', sql: 't.year', type: 'integer', description: 'year of the readings', title_zh: '计量年份' }, s('account', 'meter account (empty: the building)'),
      s('address', 'address as given'), ...carriers,
      { name: 'version', sql: 't.version', type: 'integer', description: 'version of the record', title_zh: '记录版本' },
    ],
  },
  {
    id: 'building_carbon', title: 'Building energy and carbon', title_zh: '建筑能耗与碳排放',
    description: 'Every building of the latest carbon inventory (opencim carbon): use, climate zone, era, floor area and its basis, energy by carrier, operational CO2e, and whether metered or estimated; geometry = the footprint.',
    from: `(SELECT c.*, c.co2e_kg / NULLIF(c.floor_area_m2, 0) AS co2e_kg_m2, b.geom AS footprint FROM carbon_buildings_current c
      JOIN buildings_current b ON b.city_id = c.city_id AND b.id = c.building_id) t`,
    requires: ['carbon_buildings', 'buildings_versions'], probe, missingHint,
    key: [{ name: 'building_id', sql: 't.building_id' }],
    geometry: { sql: 't.footprint', type: 'MultiPolygon' },
    properties: [
      s('use', 'use class: residential | office | retail | education | health | hotel | industrial | other', true),
      s('climate_zone', 'GB 50176 climate zone: severe_cold | cold | hscw | hsww | mild'),
      s('era', 'construction era: pre1986 | 1986_2005 | 2006_2015 | 2016_on | unknown', true),
      n('floor_area_m2', 'floor area, m² (footprint × storeys)', true),
      s('floor_area_basis', 'levels | height | default: where the storeys came from'),
      n('eui_kwh_m2', 'energy use intensity, kWh/m² per year (all carriers)', true),
      ...carriers,
      n('co2e_kg', 'operational CO2e, kg per year', true),
      n('co2e_kg_m2', 'operational CO2e per m² of floor area, kg', true),
      s('basis', 'estimated | metered | partly_metered (some carriers metered, the others estimated)', true),
      s('district_id', 'district unit'), s('street_id', 'street unit'), s('community_id', 'community unit'),
      run,
    ],
    tile: { minzoom: 13, maxzoom: 16, kind: 'polygon' },
  },
  {
    id: 'carbon_areas', title: 'Operational carbon by area', title_zh: '片区建筑碳排放',
    description: 'The latest carbon inventory summed per unit (city, district, street, community): floor area, energy by carrier, CO2e, intensity per m² and per resident, and how much of it is metered.',
    from: 'carbon_areas_current t', requires: ['carbon_areas'], probe, missingHint,
    key: [{ name: 'level', sql: 't.level' }, { name: 'area_id', sql: 't.area_id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      s('level', 'city | district | street | community', true), s('area_id', 'unit id'), s('name', 'unit name', true),
      s('kind', 'city | district | street | community | compound | grid'),
      { name: 'buildings', sql: 't.buildings', type: 'integer', description: 'buildings', title_zh: '建筑数' },
      { name: 'metered_buildings', sql: 't.metered_buildings', type: 'integer', description: 'buildings with metered data', title_zh: '有计量数据的建筑数' },
      n('floor_area_m2', 'floor area, m²'), ...carriers,
      n('co2e_kg', 'operational CO2e, kg per year', true), n('co2e_estimated_kg', 'of which estimated, kg'),
      n('residents', 'estimated residents'), n('co2e_kg_per_m2', 'CO2e per m² of floor area, kg', true), n('co2e_kg_per_resident', 'CO2e per resident, kg'),
      run,
    ],
    tile: { minzoom: 8, maxzoom: 16, kind: 'polygon' },
  },
  {
    id: 'retrofit_candidates', title: 'Energy retrofit candidates', title_zh: '节能改造候选建筑',
    description: 'Buildings of the latest carbon inventory ranked by the CO2e an energy retrofit would save (CO2e × the savings share of the era; the assumption is stated in carbon.json and the EUI table).',
    from: 'carbon_retrofit_current t', requires: ['carbon_retrofit'], probe, missingHint,
    key: [{ name: 'rank', sql: 't.rank' }],
    geometry: { sql: 't.geom', type: 'Point' },
    properties: [
      { name: 'rank', sql: 't.rank', type: 'integer', description: '1 = largest saving', tile: true, title_zh: '排名' },
      s('building_id', 'building'), s('use', 'use class'), s('era', 'construction era'),
      n('floor_area_m2', 'floor area, m²'), n('eui_kwh_m2', 'energy use intensity, kWh/m²'), n('co2e_kg', 'operational CO2e, kg per year'),
      n('savings_share', 'assumed savings share of the era'), n('saved_kwh', 'energy saved, kWh per year'), n('saved_co2e_kg', 'CO2e saved, kg per year', true),
      s('basis', 'estimated | metered | partly_metered'), run,
    ],
    tile: { minzoom: 11, maxzoom: 16, kind: 'point' },
  },
];
