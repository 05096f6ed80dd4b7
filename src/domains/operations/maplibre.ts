/**
 * The operations layers of the served map style (data, read by the viewer's legend too): the
 * cases as points coloured by their stage (阶段) with a red ring while overdue, filterable by
 * class (类别); a hot-spot layer (案件热点) of the unit grids by their open cases (the
 * `case_hotspots` collection); and a heat map of the open cases (热力图), for cities without
 * unit grids. Sources: the `cases` and `case_hotspots` vector tiles.
 */
import type { ExpressionSpecification, LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { I18nText } from '../../catalog/style.js';
import { CASE_HOTSPOTS } from './collections.js';

export const CASES_LAYER = 'cases';
export { CASE_HOTSPOTS };

/** open statuses: the ones the heat map and the hot spots count */
export const OPEN_STATUSES = ['reported', 'accepted', 'dispatched', 'handled', 'verified'] as const;

export const OPS_STYLE = {
  cases: {
    minzoom: 10,
    radius: [10, 3, 16, 8] as const,
    /** a dark ring tells a case from a facility (white ring) */
    stroke: '#1f2933',
    overdue: { color: '#d32f2f', width: 2.5, label: { zh: '已超时(红圈)', en: 'overdue (red ring)' } as I18nText },
    /** status → colour, in the order of the case cycle */
    stages: [
      { values: ['reported'], color: '#8e44ad', label: { zh: '已上报(待立案)', en: 'reported (to accept)' } },
      { values: ['accepted'], color: '#2f6fd6', label: { zh: '已立案(待派遣)', en: 'accepted (to dispatch)' } },
      { values: ['dispatched'], color: '#f39c12', label: { zh: '已派遣(处置中)', en: 'dispatched (being handled)' } },
      { values: ['handled'], color: '#00a6a6', label: { zh: '已处置(待核查)', en: 'handled (to verify)' } },
      { values: ['verified'], color: '#2e9d5b', label: { zh: '已核查(待结案)', en: 'verified (to close)' } },
      { values: ['closed'], color: '#7d8a96', label: { zh: '已结案', en: 'closed' } },
      { values: ['rejected', 'duplicate'], color: '#c4c9ce', label: { zh: '不予立案/重复', en: 'rejected / duplicate' } },
    ] as { values: string[]; color: string; label: I18nText }[],
    fallback: '#607d8b',
  },
  hotspots: {
    opacity: 0.55,
    /** open cases per unit grid: lower bounds → colour */
    steps: [
      { min: 1, color: '#fde0c5', label: { zh: '1–2 件', en: '1–2 cases' } },
      { min: 3, color: '#f9a66c', label: { zh: '3–5 件', en: '3–5 cases' } },
      { min: 6, color: '#e4572e', label: { zh: '6–9 件', en: '6–9 cases' } },
      { min: 10, color: '#9b111e', label: { zh: '≥ 10 件', en: '≥ 10 cases' } },
    ] as { min: number; color: string; label: I18nText }[],
    line: '#b23a12',
  },
  heat: { radius: [10, 8, 16, 30] as const, opacity: [10, 0.85, 16, 0.45] as const, maxzoom: 17 },
} as const;

const interp = (stops: readonly number[]): ExpressionSpecification =>
  ['interpolate', ['linear'], ['zoom'], ...stops] as unknown as ExpressionSpecification;

export function stageColorExpr(): ExpressionSpecification {
  const pairs: unknown[] = [];
  for (const s of OPS_STYLE.cases.stages) pairs.push(s.values.length === 1 ? s.values[0] : s.values, s.color);
  return ['match', ['get', 'status'], ...pairs, OPS_STYLE.cases.fallback] as unknown as ExpressionSpecification;
}

export function hotspotColorExpr(): ExpressionSpecification {
  const st = OPS_STYLE.hotspots.steps;
  const e: unknown[] = ['step', ['to-number', ['get', 'open_cases']], st[0].color];
  for (const s of st.slice(1)) e.push(s.min, s.color);
  return e as unknown as ExpressionSpecification;
}

/** layers drawn under the buildings (hot-spot grids, heat map) */
export function operationsUnderLayers(has: (id: string) => boolean): LayerSpecification[] {
  const out: LayerSpecification[] = [];
  if (has(CASE_HOTSPOTS)) {
    out.push({ id: 'case-hotspots-fill', type: 'fill', source: CASE_HOTSPOTS, 'source-layer': CASE_HOTSPOTS, paint: { 'fill-color': hotspotColorExpr(), 'fill-opacity': OPS_STYLE.hotspots.opacity } });
    out.push({ id: 'case-hotspots-line', type: 'line', source: CASE_HOTSPOTS, 'source-layer': CASE_HOTSPOTS, paint: { 'line-color': OPS_STYLE.hotspots.line, 'line-width': 0.8, 'line-opacity': 0.7 } });
  }
  if (has(CASES_LAYER)) {
    const h = OPS_STYLE.heat;
    out.push({
      id: 'cases-heat', type: 'heatmap', source: CASES_LAYER, 'source-layer': CASES_LAYER, maxzoom: h.maxzoom,
      filter: ['in', ['get', 'status'], ['literal', [...OPEN_STATUSES]]] as unknown as ExpressionSpecification,
      // hidden until chosen in the layer control
      layout: { visibility: 'none' },
      paint: { 'heatmap-radius': interp(h.radius), 'heatmap-opacity': interp(h.opacity), 'heatmap-intensity': interp([10, 0.6, 16, 1.6]) },
    });
  }
  return out;
}

/** layers drawn over the buildings (the cases themselves) */
export function operationsOverLayers(has: (id: string) => boolean): LayerSpecification[] {
  if (!has(CASES_LAYER)) return [];
  const c = OPS_STYLE.cases;
  return [{
    id: 'cases-circle', type: 'circle', source: CASES_LAYER, 'source-layer': CASES_LAYER, minzoom: c.minzoom,
    paint: {
      'circle-color': stageColorExpr(), 'circle-radius': interp(c.radius),
      'circle-stroke-color': ['case', ['==', ['get', 'overdue'], true], c.overdue.color, c.stroke] as unknown as ExpressionSpecification,
      'circle-stroke-width': ['case', ['==', ['get', 'overdue'], true], c.overdue.width, 1.5] as unknown as ExpressionSpecification,
      'circle-pitch-alignment': 'map',
    },
  }];
}
