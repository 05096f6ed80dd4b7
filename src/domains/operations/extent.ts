/**
 * The one rule of "inside the city" for a reported location, shared by every channel: the
 * bounding box of the city's sources, unit grids and administrative areas, widened by 0.01°
 * (about 1 km). A city that holds none of them has no extent, and every point passes. Open311
 * and the staff API refuse a point outside it; the 12345 hotline import keeps the ticket (the
 * hotline centre has already taken it) and warns of it.
 */
import type { Queryable } from '../../store/driver.js';

/** west, south, east, north (WGS84 degrees) */
export type Extent = [number, number, number, number];
const MARGIN = 0.01;

export async function readCityExtent(q: Queryable, cityId: string): Promise<Extent | null> {
  const [r] = await q.query<{ w: number | null; s: number; e: number; n: number }>(
    `SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n FROM (SELECT ST_Extent(g) AS x FROM (
       SELECT bbox AS g FROM sources WHERE city_id = $1 UNION ALL SELECT geom FROM grids_current WHERE city_id = $1 UNION ALL
       SELECT geom FROM admin_areas_current WHERE city_id = $1) a) b`, [cityId]);
  return r && r.w !== null ? [Number(r.w), Number(r.s), Number(r.e), Number(r.n)] : null;
}

// re-read once a minute per store and city (not per data version: every case written moves the archive head)
const cache = new WeakMap<object, Map<string, { at: number; ext: Promise<Extent | null> }>>();
export function cityExtent(q: Queryable, cityId: string, now = Date.now()): Promise<Extent | null> {
  let m = cache.get(q);
  if (!m) cache.set(q, (m = new Map()));
  const e = m.get(cityId);
  if (e && now - e.at < 60_000) return e.ext;
  const ext = readCityExtent(q, cityId);
  m.set(cityId, { at: now, ext });
  ext.catch(() => m.delete(cityId));
  return ext;
}

export function outsideCity(ext: Extent | null, lon: number, lat: number): boolean {
  return ext !== null && (lon < ext[0] - MARGIN || lon > ext[2] + MARGIN || lat < ext[1] - MARGIN || lat > ext[3] + MARGIN);
}

/** "位置 … 不在本市范围内 (…)" and "… is outside the city (…)", the coordinates named as the channel names them */
export function outsideText(ext: Extent, lon: number, lat: number, names: { lon: string; lat: string } = { lon: 'lon', lat: 'lat' }): { zh: string; en: string } {
  const box = ext.map((v) => v.toFixed(4)).join(',');
  return {
    zh: `位置 ${names.lat} ${lat}, ${names.lon} ${lon} 不在本市范围内（${box}，西,南,东,北）；请核对坐标是否为 WGS84 经纬度、是否填反`,
    en: `${names.lat} ${lat}, ${names.lon} ${lon} is outside the city (${box}, W,S,E,N): check that the coordinates are WGS84 degrees and not swapped`,
  };
}
export function outsideMessage(ext: Extent, lon: number, lat: number, names?: { lon: string; lat: string }): string {
  const t = outsideText(ext, lon, lat, names);
  return `${t.zh} / ${t.en}`;
}
