import { distanceM } from '../../model/geo.js';
import type { Grid, Zone, ZoneTable } from './params.js';
import { UsageError } from '../../model/errors.js';

/**
 * The city's climate zone (GB 50176-2016) and regional grid: the location is the median of the
 * building centroids; zone and province are those of the nearest reference city of the zone table
 * (great-circle distance), the grid is the province's; `--zone` / `--grid` override either.
 */
export interface ZoneChoice {
  zone: Zone;
  grid: Grid;
  location: [number, number] | null;
  nearest: { name_zh: string; name_en: string; province: string; distance_km: number } | null;
  zone_from: 'override' | 'nearest_reference_city';
  grid_from: 'override' | 'province';
  district_heating: boolean;
  method: string;
}

export function median(a: ArrayLike<number>): number {
  const s = Float64Array.from(a).filter((v) => Number.isFinite(v)).sort();
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function chooseZone(t: ZoneTable, lon: ArrayLike<number>, lat: ArrayLike<number>, o: { zone?: Zone; grid?: Grid } = {}): ZoneChoice {
  const x = median(lon), y = median(lat);
  const location: [number, number] | null = Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
  let best: ZoneTable['cities'][number] | null = null;
  let bestD = Infinity;
  if (location) {
    for (const c of t.cities) {
      const d = distanceM(x, y, c.lon, c.lat);
      if (d < bestD) { bestD = d; best = c; }
    }
  }
  if (!o.zone && !best) throw new UsageError('no buildings with a location: cannot choose a climate zone; give --zone 请用 --zone 指定气候区');
  if (!o.grid && !best) throw new UsageError('no buildings with a location: cannot choose a grid; give --grid 请用 --grid 指定电网');
  const zone = o.zone ?? best!.zone;
  const grid = o.grid ?? t.province_grid[best!.province];
  const near = best ? { name_zh: best.name_zh, name_en: best.name_en, province: best.province, distance_km: Math.round(bestD / 100) / 10 } : null;
  return {
    zone, grid, location: location ? [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5] : null, nearest: near,
    zone_from: o.zone ? 'override' : 'nearest_reference_city', grid_from: o.grid ? 'override' : 'province',
    district_heating: t.zones[zone].district_heating,
    method: (o.zone ? `climate zone ${zone} given (--zone)` : `climate zone of the nearest reference city ${near!.name_en} ${near!.name_zh} (${near!.distance_km} km from the median building centroid), zones-${t.version}.json (estimate)`) +
      '; ' + (o.grid ? `grid ${grid} given (--grid)` : `grid of its province ${near!.province} (province_grid of zones-${t.version}.json, estimate)`),
  };
}
