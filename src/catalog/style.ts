/**
 * The viewer's style: ONE declarative document (data, no code) for layers, colours, legends and
 * the colour modes of the buildings. map.ts turns it into a MapLibre style; the legend and the
 * filters read the same document. Walking thresholds are not repeated here: they come from the
 * server's /api/v1/categories (the same numbers that grade the indicators), referred to as
 * `{ threshold: 'category' }`.
 */
export type I18nText = { zh: string; en: string };

export interface LegendItem { color: string; label: I18nText; value?: string }

export interface ColorMode {
  id: string;
  label: I18nText;
  /** the building tile property this mode reads; the mode is offered only when tiles have it */
  property: string;
  kind: 'match' | 'step' | 'access';
  /** features whose boolean `property` is true take `color` first (e.g. building=yes inside residential land use) */
  override?: { property: string; color: string };
  /** match: value → colour (several values may share an entry) */
  match?: { values: string[]; color: string; label: I18nText }[];
  /** step: lower bounds → colour */
  steps?: { min: number | null; color: string; label: I18nText }[];
  /** access: colours against the chosen category's threshold */
  access?: { within: string; near: string; far: string; none: string; other: string; nearFactor: number };
  fallback: { color: string; label: I18nText };
}

export const STYLE = {
  version: 1,
  background: '#e7ebee',
  /** metres per storey when a building has levels but no height; default height when it has neither */
  storeyM: 3,
  defaultHeightM: 6,
  buildings: {
    minzoom: 13,
    opacity: 0.92,
    selected: '#1e6fd9',
    modes: [
      {
        id: 'use', label: { zh: '建筑用途', en: 'Building use' }, property: 'use', kind: 'match',
        override: { property: 'residential', color: '#e9a46b' },
        match: [
          { values: ['residential', 'apartments', 'house', 'detached', 'semidetached_house', 'terrace', 'dormitory', 'bungalow'], color: '#e9a46b', label: { zh: '居住', en: 'Residential' } },
          { values: ['commercial', 'retail', 'office', 'hotel', 'supermarket', 'kiosk'], color: '#6fa8dc', label: { zh: '商业办公', en: 'Commercial / office' } },
          { values: ['school', 'university', 'college', 'kindergarten'], color: '#f2cf5b', label: { zh: '教育', en: 'Education' } },
          { values: ['hospital', 'clinic'], color: '#e57373', label: { zh: '医疗', en: 'Health' } },
          { values: ['public', 'government', 'civic', 'community_centre', 'service', 'train_station', 'transportation'], color: '#76c1a0', label: { zh: '公共服务', en: 'Public' } },
          { values: ['industrial', 'warehouse', 'factory', 'manufacture'], color: '#a19cc5', label: { zh: '工业仓储', en: 'Industrial' } },
          { values: ['sports_hall', 'stadium', 'sports_centre'], color: '#8fc760', label: { zh: '体育', en: 'Sports' } },
        ],
        fallback: { color: '#cfc8bd', label: { zh: '其他/未知', en: 'Other / unknown' } },
      },
      {
        id: 'era', label: { zh: '建成年代', en: 'Construction era' }, property: 'year', kind: 'step',
        steps: [
          { min: null, color: '#8c510a', label: { zh: '1980 年前', en: 'before 1980' } },
          { min: 1980, color: '#d8b365', label: { zh: '1980–1999', en: '1980–1999' } },
          { min: 2000, color: '#80cdc1', label: { zh: '2000–2009', en: '2000–2009' } },
          { min: 2010, color: '#018571', label: { zh: '2010 年后', en: '2010 and later' } },
        ],
        fallback: { color: '#cfc8bd', label: { zh: '年代未知', en: 'Year unknown' } },
      },
      {
        id: 'access', label: { zh: '步行可达性', en: 'Walking access' }, property: 'd_*', kind: 'access',
        access: { within: '#2e9d5b', near: '#f0b429', far: '#d64545', none: '#7a1f1f', other: '#d9d5ce', nearFactor: 1.5 },
        fallback: { color: '#d9d5ce', label: { zh: '非居住建筑', en: 'Not residential' } },
      },
      {
        // from the latest carbon run (opencim carbon): operational CO2e per m² of floor area, estimated or metered
        id: 'carbon', label: { zh: '建筑碳排放强度', en: 'Carbon intensity' }, property: 'co2e_kg_m2', kind: 'step',
        steps: [
          { min: null, color: '#1a9850', label: { zh: '< 20 kgCO2e/m²', en: '< 20 kgCO2e/m²' } },
          { min: 20, color: '#91cf60', label: { zh: '20–40', en: '20–40' } },
          { min: 40, color: '#fee08b', label: { zh: '40–60', en: '40–60' } },
          { min: 60, color: '#fc8d59', label: { zh: '60–100', en: '60–100' } },
          { min: 100, color: '#d73027', label: { zh: '≥ 100 kgCO2e/m²', en: '≥ 100 kgCO2e/m²' } },
        ],
        fallback: { color: '#cfc8bd', label: { zh: '未测算', en: 'Not in the inventory' } },
      },
      {
        id: 'risk', label: { zh: '安全风险', en: 'Safety risk' }, property: 'safety_grade', kind: 'match',
        match: [
          { values: ['A'], color: '#2e9d5b', label: { zh: 'A 级', en: 'Grade A' } },
          { values: ['B'], color: '#f0b429', label: { zh: 'B 级', en: 'Grade B' } },
          { values: ['C'], color: '#e8702a', label: { zh: 'C 级(局部危房)', en: 'Grade C' } },
          { values: ['D'], color: '#b3261e', label: { zh: 'D 级(整幢危房)', en: 'Grade D' } },
        ],
        fallback: { color: '#cfc8bd', label: { zh: '未鉴定', en: 'Not assessed' } },
      },
    ] as ColorMode[],
  },
  /** facility category → colour (categories and their names come from the server) */
  facilities: {
    minzoom: 12,
    radius: [12, 3, 16, 7] as const,
    stroke: '#ffffff',
    colors: {
      kindergarten: '#4f8ef7', childcare: '#7fb0ff', primary_school: '#2f6fd6', middle_school: '#1d4fa3',
      clinic: '#ef6b6b', hospital: '#c62828', pharmacy: '#f48fb1', elderly_care: '#9c6ade',
      community_service: '#26a69a', supermarket: '#fb8c00', fresh_market: '#ffb74d', express_delivery: '#a1887f',
      sports: '#66bb6a', park: '#2e7d32', bus_stop: '#5c6bc0', metro_station: '#283593',
      public_toilet: '#90a4ae', culture: '#d81b60', waste_collection: '#6d4c41', ev_charging: '#00acc1', fire_station: '#ff5722',
    } as Record<string, string>,
    fallback: '#607d8b',
  },
  landUse: {
    minzoom: 10,
    opacity: 0.55,
    colors: [
      { values: ['residential'], color: '#efe1cf', label: { zh: '居住用地', en: 'Residential' } },
      { values: ['commercial', 'retail'], color: '#f3d6d6', label: { zh: '商业用地', en: 'Commercial' } },
      { values: ['industrial'], color: '#e0dbee', label: { zh: '工业用地', en: 'Industrial' } },
      { values: ['education', 'school', 'university', 'college'], color: '#f6edc4', label: { zh: '教育用地', en: 'Education' } },
      { values: ['grass', 'meadow', 'village_green', 'recreation_ground', 'forest'], color: '#d6ebcc', label: { zh: '绿地', en: 'Green' } },
    ],
    fallback: '#e4e1dc',
  },
  green: { minzoom: 10, fill: '#a8d5a2', outline: '#6aaa64', opacity: 0.75 },
  walk: {
    minzoom: 12,
    casing: '#c3c9cf',
    major: { values: ['primary', 'secondary', 'tertiary', 'trunk', 'primary_link', 'secondary_link', 'tertiary_link'], color: '#ffffff', width: [12, 1.5, 16, 9] as const },
    minor: { color: '#fbfbfb', width: [12, 0.6, 16, 4] as const },
    path: { values: ['footway', 'path', 'pedestrian', 'steps', 'living_street', 'corridor', 'track'], color: '#f6f1e7', dash: [2, 1] as const, width: [13, 0.5, 16, 2.2] as const },
  },
  admin: { color: '#6c5ce7', width: 1.6, dash: [4, 3] as const, opacity: 0.8 },
  /** places the health check proposes for renewal */
  renewal: { fill: '#e8702a', opacity: 0.16, line: '#c2410c', width: 2, dash: [3, 2] as const },
  isochrone: {
    /** minutes → colour, outermost first */
    colors: ['#f0b429', '#52b788', '#1b7f5a'],
    opacity: 0.2,
    outline: '#1b4332',
  },
} as const;

export type Style = typeof STYLE;
