/**
 * The bands that grade and colour shares on every surface (the viewer's dashboard, the report's
 * charts and maps), declared once. A share the data cannot give (no facility of the kind in the
 * data) is a data gap: grey, never red.
 */
export type I18nText = { zh: string; en: string };
export interface Band { min: number; color: string; label: I18nText }

/** share of buildings / residents within a walking threshold */
export const COVERAGE_BANDS: Band[] = [
  { min: 0.8, color: '#2e9d5b', label: { zh: '≥ 80% 良好', en: '≥ 80% good' } },
  { min: 0.5, color: '#f0b429', label: { zh: '50–80% 一般', en: '50–80% fair' } },
  { min: 0, color: '#d64545', label: { zh: '< 50% 短板', en: '< 50% shortfall' } },
];

/** living-circle completeness (share of categories within their thresholds), in five classes */
export const COMPLETENESS_BANDS: Band[] = [
  { min: 0.8, color: '#1a9641', label: { zh: '80–100%', en: '80–100%' } },
  { min: 0.6, color: '#a6d96a', label: { zh: '60–80%', en: '60–80%' } },
  { min: 0.4, color: '#fddbc7', label: { zh: '40–60%', en: '40–60%' } },
  { min: 0.2, color: '#ef8a62', label: { zh: '20–40%', en: '20–40%' } },
  { min: 0, color: '#b2182b', label: { zh: '0–20%', en: '0–20%' } },
];

export const DATA_GAP = { color: '#b0b7bf', label: { zh: '无数据（数据缺口）', en: 'no data (data gap)' } };

export function bandOf(bands: Band[], v: number): Band {
  return bands.find((b) => v >= b.min) ?? bands[bands.length - 1];
}

/** everything a surface needs to draw the same colours */
export const LEGENDS = { coverage: COVERAGE_BANDS, completeness: COMPLETENESS_BANDS, data_gap: DATA_GAP };
