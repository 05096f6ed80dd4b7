/**
 * The safety layer of the served map style: the register's buildings (`building_safety` tiles)
 * extruded a little above the city model's, coloured by the grade of their latest inspection with
 * the style document's "safety risk" mode; visible only while that mode is chosen.
 */
import type { ExpressionSpecification, LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { colorExpr } from '../../catalog/maplibre.js';
import { STYLE, type ColorMode } from '../../catalog/style.js';

export const SAFETY_LAYER = 'building_safety';
export const SAFETY_MODE = 'risk';

export function safetyLayer(mode: ColorMode): LayerSpecification {
  const risk = STYLE.buildings.modes.find((m) => m.id === SAFETY_MODE)!;
  const h: ExpressionSpecification = ['+', ['coalesce', ['get', 'height_m'], ['*', ['coalesce', ['get', 'storeys'], 0], STYLE.storeyM], STYLE.defaultHeightM], 0.5];
  return {
    id: 'safety-3d', type: 'fill-extrusion', source: SAFETY_LAYER, 'source-layer': SAFETY_LAYER, minzoom: STYLE.buildings.minzoom,
    layout: { visibility: mode.id === SAFETY_MODE ? 'visible' : 'none' },
    paint: { 'fill-extrusion-color': colorExpr(risk), 'fill-extrusion-height': h, 'fill-extrusion-base': 0, 'fill-extrusion-opacity': 0.95 },
  };
}
