/**
 * The style document (style.ts) → a real MapLibre style (the served `/styles/city.json`, which the
 * viewer renders and third parties can use), and the expressions the viewer re-applies when the
 * user changes the colour mode. No external basemap or web fonts: it works offline (no symbol
 * layers, so no glyphs). Types only from the MapLibre style specification: no browser code here.
 */
import type { ExpressionSpecification, LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { STYLE, type ColorMode } from './style.js';
import { SAFETY_LAYER, safetyLayer } from '../domains/safety/maplibre.js';
import { operationsOverLayers, operationsUnderLayers } from '../domains/operations/maplibre.js';

/** what a colour mode needs of a facility category */
export interface CategoryRef { id: string; threshold_m: number }

const S = STYLE;
const interp = (stops: readonly number[]): ExpressionSpecification =>
  ['interpolate', ['linear'], ['zoom'], ...stops] as unknown as ExpressionSpecification;

export function heightExpr(): ExpressionSpecification {
  return ['case', ['has', 'height'], ['to-number', ['get', 'height']], ['has', 'levels'], ['*', ['to-number', ['get', 'levels']], S.storeyM], S.defaultHeightM];
}

/** the building colour of a mode (for access: against the category's threshold) */
export function colorExpr(mode: ColorMode, cat?: CategoryRef): ExpressionSpecification {
  let e: unknown;
  if (mode.kind === 'match') {
    const pairs: unknown[] = [];
    for (const m of mode.match ?? []) pairs.push(m.values.length === 1 ? m.values[0] : m.values, m.color);
    e = pairs.length ? ['match', ['to-string', ['get', mode.property]], ...pairs, mode.fallback.color] : mode.fallback.color;
    if (mode.override) e = ['case', ['==', ['get', mode.override.property], true], mode.override.color, e];
  } else if (mode.kind === 'step') {
    const st = mode.steps ?? [];
    const step: unknown[] = ['step', ['to-number', ['get', mode.property]], st[0].color];
    for (const s of st.slice(1)) step.push(s.min, s.color);
    e = ['case', ['has', mode.property], step, mode.fallback.color];
  } else {
    const a = mode.access!;
    if (!cat || !cat.threshold_m) return a.other as unknown as ExpressionSpecification;
    const p = `d_${cat.id}`;
    e = ['case',
      ['!=', ['get', 'residential'], true], a.other,
      ['!', ['has', p]], a.none,
      ['<=', ['get', p], cat.threshold_m], a.within,
      ['<=', ['get', p], cat.threshold_m * a.nearFactor], a.near,
      a.far];
  }
  return ['case', ['boolean', ['feature-state', 'selected'], false], S.buildings.selected, e] as unknown as ExpressionSpecification;
}

export function buildStyle(opts: { tileUrl: (layer: string) => string; basemap: { url: string; attribution: string } | null; mode: ColorMode; category?: CategoryRef; available: Set<string> }): StyleSpecification {
  const sources: StyleSpecification['sources'] = {};
  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': S.background } }];
  if (opts.basemap) {
    sources.basemap = { type: 'raster', tiles: [opts.basemap.url], tileSize: 256, attribution: opts.basemap.attribution };
    layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.6 } });
  }
  for (const id of opts.available) {
    sources[id] = { type: 'vector', url: opts.tileUrl(id), ...(id === 'buildings' ? { promoteId: 'id' } : {}) };
  }
  const has = (id: string) => opts.available.has(id);
  if (has('land_use')) {
    const pairs: unknown[] = [];
    for (const c of S.landUse.colors) pairs.push(c.values.length === 1 ? c.values[0] : c.values, c.color);
    layers.push({
      id: 'land_use-fill', type: 'fill', source: 'land_use', 'source-layer': 'land_use', minzoom: S.landUse.minzoom,
      paint: { 'fill-color': ['match', ['get', 'landuse'], ...pairs, S.landUse.fallback] as unknown as ExpressionSpecification, 'fill-opacity': S.landUse.opacity },
    });
  }
  if (has('green_spaces')) {
    layers.push({ id: 'green-fill', type: 'fill', source: 'green_spaces', 'source-layer': 'green_spaces', minzoom: S.green.minzoom, paint: { 'fill-color': S.green.fill, 'fill-opacity': S.green.opacity } });
    layers.push({ id: 'green-line', type: 'line', source: 'green_spaces', 'source-layer': 'green_spaces', minzoom: S.green.minzoom, paint: { 'line-color': S.green.outline, 'line-width': 0.8 } });
  }
  if (has('walk_network')) {
    const w = S.walk;
    const src = { source: 'walk_network', 'source-layer': 'walk_network', minzoom: w.minzoom } as const;
    const major: ExpressionSpecification = ['in', ['get', 'highway'], ['literal', [...w.major.values]]];
    const path: ExpressionSpecification = ['in', ['get', 'highway'], ['literal', [...w.path.values]]];
    layers.push({ id: 'walk-casing', type: 'line', ...src, filter: ['!', path], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': w.casing, 'line-width': interp([12, 1.2, 16, 11]) } });
    layers.push({ id: 'walk-minor', type: 'line', ...src, filter: ['all', ['!', major], ['!', path]], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': w.minor.color, 'line-width': interp(w.minor.width) } });
    layers.push({ id: 'walk-major', type: 'line', ...src, filter: major, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': w.major.color, 'line-width': interp(w.major.width) } });
    layers.push({ id: 'walk-path', type: 'line', ...src, filter: path, paint: { 'line-color': '#b9a98f', 'line-width': interp(w.path.width), 'line-dasharray': [...w.path.dash] } });
  }
  if (has('admin_areas')) {
    layers.push({ id: 'admin-line', type: 'line', source: 'admin_areas', 'source-layer': 'admin_areas', paint: { 'line-color': S.admin.color, 'line-width': S.admin.width, 'line-dasharray': [...S.admin.dash], 'line-opacity': S.admin.opacity } });
  }
  if (has('renewal_candidates')) {
    const r = S.renewal;
    layers.push({ id: 'renewal-fill', type: 'fill', source: 'renewal_candidates', 'source-layer': 'renewal_candidates', paint: { 'fill-color': r.fill, 'fill-opacity': r.opacity } });
    layers.push({ id: 'renewal-line', type: 'line', source: 'renewal_candidates', 'source-layer': 'renewal_candidates', paint: { 'line-color': r.line, 'line-width': r.width, 'line-dasharray': [...r.dash] } });
  }
  layers.push(...operationsUnderLayers(has));
  sources.isochrone = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
  layers.push({ id: 'isochrone-fill', type: 'fill', source: 'isochrone', paint: { 'fill-color': ['get', 'color'], 'fill-opacity': S.isochrone.opacity } });
  layers.push({ id: 'isochrone-line', type: 'line', source: 'isochrone', paint: { 'line-color': ['get', 'color'], 'line-width': 2 } });
  if (has('buildings')) {
    layers.push({
      id: 'buildings-3d', type: 'fill-extrusion', source: 'buildings', 'source-layer': 'buildings', minzoom: S.buildings.minzoom,
      paint: {
        'fill-extrusion-color': colorExpr(opts.mode, opts.category),
        'fill-extrusion-height': heightExpr(),
        'fill-extrusion-base': 0,
        'fill-extrusion-opacity': S.buildings.opacity,
        'fill-extrusion-vertical-gradient': true,
      },
    });
  }
  if (has(SAFETY_LAYER)) layers.push(safetyLayer(opts.mode));
  if (has('facilities')) {
    const pairs: unknown[] = [];
    for (const [k, c] of Object.entries(S.facilities.colors)) pairs.push(k, c);
    layers.push({
      id: 'facilities-circle', type: 'circle', source: 'facilities', 'source-layer': 'facilities', minzoom: S.facilities.minzoom,
      paint: {
        'circle-color': ['match', ['get', 'category'], ...pairs, S.facilities.fallback] as unknown as ExpressionSpecification,
        'circle-radius': interp(S.facilities.radius), 'circle-stroke-color': S.facilities.stroke, 'circle-stroke-width': 1.2,
        'circle-pitch-alignment': 'map',
      },
    });
  }
  layers.push(...operationsOverLayers(has));
  sources['isochrone-origin'] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
  layers.push({ id: 'isochrone-origin', type: 'circle', source: 'isochrone-origin', paint: { 'circle-color': '#1b4332', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  return { version: 8, sources, layers };
}

