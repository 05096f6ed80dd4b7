/**
 * What the viewer shows for the city it is on: the view in the URL only when it belongs to the city,
 * the style document's sources only for the layers the city holds, and the colour modes whose data
 * exists (the others disabled with the reason and the command that computes them).
 */
import type { StyleSpecification } from 'maplibre-gl';
import type { ColorMode } from '../../src/catalog/style';
import { SAFETY_LAYER, SAFETY_MODE } from '../../src/domains/safety/maplibre';

/** the view of the URL's hash (#zoom/lat/lon[/bearing/pitch], MapLibre's `hash: true`), or null */
export function hashView(hash: string): { zoom: number; lat: number; lon: number } | null {
  const p = hash.replace(/^#/, '').split('/').map(Number);
  if (p.length < 3 || p.slice(0, 3).some((x) => !Number.isFinite(x))) return null;
  return { zoom: p[0], lat: p[1], lon: p[2] };
}

/**
 * Does the view of the URL belong to the city (its centre inside the city's extent, with a margin
 * of half the extent's size, at least ~1 km)? A view kept from another city (the switcher, a shared
 * link of another city) does not: the map then frames the city instead of showing an empty place.
 */
export function viewInCity(hash: string, bbox: number[] | null | undefined): boolean {
  const v = hashView(hash);
  if (!v) return false;
  if (!bbox || bbox.length !== 4) return true;
  const [w, s, e, n] = bbox;
  const mx = Math.max((e - w) / 2, 0.01), my = Math.max((n - s) / 2, 0.01);
  return v.lon >= w - mx && v.lon <= e + mx && v.lat >= s - my && v.lat <= n + my;
}

/** the URL of another city: its own query (`?city=`), without the view of the one left (the map frames the new city) */
export function cityUrl(href: string, city: string): string {
  const u = new URL(href);
  u.searchParams.set('city', city);
  u.hash = '';
  return u.toString().replace(/#$/, '');
}

/**
 * The style without the sources (and their layers) of tile layers the city does not hold: their
 * TileJSON may answer 404 (a server that lists only a city's available layers), and an empty layer
 * is not worth its requests. A source is one of the server's tile layers when its TileJSON is
 * `/tiles/<layer>.json`; other sources (GeoJSON overlays, a basemap) are kept.
 */
export function pruneStyle(style: StyleSpecification, available: Set<string>): StyleSpecification {
  const tileLayer = (src: unknown): string | null => {
    const url = (src as { url?: unknown }).url;
    const m = typeof url === 'string' ? /\/tiles\/([^/?#]+)\.json(?:[?#]|$)/.exec(url) : null;
    return m ? decodeURIComponent(m[1]) : null;
  };
  const drop = new Set(Object.entries(style.sources).filter(([, src]) => { const l = tileLayer(src); return l !== null && !available.has(l); }).map(([id]) => id));
  if (!drop.size) return style;
  const sources = Object.fromEntries(Object.entries(style.sources).filter(([id]) => !drop.has(id)));
  const layers = style.layers.filter((l) => !('source' in l) || typeof l.source !== 'string' || !drop.has(l.source));
  return { ...style, sources, layers };
}

export interface Bilingual { zh: string; en: string }

/** why a colour mode has no data for the city (null: it has), with the command that computes its data */
export function modeUnavailable(m: ColorMode, has: { access: boolean; carbon: boolean; safety: boolean; fields: Record<string, string> }): Bilingual | null {
  if (m.id === SAFETY_MODE) return has.safety ? null : { zh: '无数据：尚无房屋安全档案（运行 opencim safety import profiles.csv inspections.csv 导入）', en: 'no data: no safety register yet (import one: opencim safety import profiles.csv inspections.csv)' };
  if (m.id === 'carbon') return has.carbon ? null : { zh: '无数据：尚未计算建筑碳排放（运行 opencim carbon --db D）', en: 'no data: no carbon run yet (run opencim carbon --db D)' };
  if (m.kind === 'access') return has.access ? null : { zh: '无数据：尚无步行可达性结果（运行 opencim access --db D）', en: 'no data: no walking access run yet (run opencim access --db D)' };
  return m.property in has.fields ? null : { zh: '无数据：建筑瓦片中没有该属性', en: 'no data: the building tiles lack this property' };
}

/** the modes of the platform's analyses are listed even without data (disabled, saying how to compute it); others only with their property */
export const listedMode = (m: ColorMode, fields: Record<string, string>): boolean => m.id === SAFETY_MODE || m.id === 'carbon' || m.kind === 'access' || m.property in fields;

export { SAFETY_LAYER };
