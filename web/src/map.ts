/**
 * The style document (style.ts) → a MapLibre style, and the few operations the interface needs on
 * it (colour mode, facility filter, layer groups, isochrone, selection). No external basemap or
 * web fonts: the map works offline (no symbol text layers, so no glyphs are needed).
 */
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Category } from './api';
import type { ExpressionSpecification } from 'maplibre-gl';
import { STYLE, type ColorMode, type LegendItem } from '../../src/catalog/style';
import { OPS_GROUP_LAYERS, type OpsGroup } from './operations';
export { buildStyle, colorExpr, heightExpr } from '../../src/catalog/maplibre';

maplibregl.setWorkerUrl(new URL('../../node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs', import.meta.url).href);

const S = STYLE;

/** a data gap (no facility of the category in the data): grey, never the red of a shortfall (issue 10 §2) */
export const GAP_COLOR = '#b5b5b5';

/** residential buildings grey where the chosen category is a data gap (colorExpr otherwise) */
export function gapColorExpr(): ExpressionSpecification {
  const a = (S.buildings.modes.find((m) => m.kind === 'access')?.access)!;
  return ['case', ['boolean', ['feature-state', 'selected'], false], S.buildings.selected, ['!=', ['get', 'residential'], true], a.other, GAP_COLOR] as unknown as ExpressionSpecification;
}

export function legendOf(mode: ColorMode, cat: Category | undefined, name: (c: Category) => string, cutoffM = 3000, gap = false): { items: LegendItem[]; note?: string } {
  if (mode.kind === 'match') return { items: [...(mode.override && !mode.match?.some((m) => m.color === mode.override!.color) ? [{ color: mode.override.color, label: { zh: '居住', en: 'Residential' } }] : []), ...(mode.match ?? []).map((m) => ({ color: m.color, label: m.label })), mode.fallback] };
  if (mode.kind === 'step') return { items: [...(mode.steps ?? []).map((s) => ({ color: s.color, label: s.label })), mode.fallback] };
  const a = mode.access!;
  if (!cat) return { items: [] };
  const t = cat.threshold_m, n = Math.round(t * a.nearFactor);
  if (gap) {
    return {
      note: name(cat),
      items: [{ color: GAP_COLOR, label: { zh: '无数据：数据中没有该类设施（数据缺口，不计为短缺）', en: 'no data: no facility of this category in the data (a data gap, not a shortfall)' } }, mode.fallback],
    };
  }
  return {
    note: name(cat),
    items: [
      { color: a.within, label: { zh: `≤ ${t} 米 (达标)`, en: `≤ ${t} m (within standard)` } },
      { color: a.near, label: { zh: `${t}–${n} 米`, en: `${t}–${n} m` } },
      { color: a.far, label: { zh: `> ${n} 米`, en: `> ${n} m` } },
      { color: a.none, label: { zh: `${cutoffM / 1000} 公里内不可达`, en: `none within ${cutoffM / 1000} km` } },
      mode.fallback,
    ],
  };
}

export type LayerGroup = 'land_use' | 'green_spaces' | 'walk_network' | 'admin_areas' | 'facilities' | 'buildings' | 'renewal_candidates' | OpsGroup;
export const GROUP_LAYERS: Record<LayerGroup, string[]> = {
  land_use: ['land_use-fill'],
  green_spaces: ['green-fill', 'green-line'],
  walk_network: ['walk-casing', 'walk-minor', 'walk-major', 'walk-path'],
  admin_areas: ['admin-line'],
  facilities: ['facilities-circle'],
  buildings: ['buildings-3d'],
  renewal_candidates: ['renewal-fill', 'renewal-line'],
  ...OPS_GROUP_LAYERS,
};

export function facilityColor(id: string): string {
  return S.facilities.colors[id] ?? S.facilities.fallback;
}
