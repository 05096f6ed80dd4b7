import type { Areal, Geometry, Position, Ring } from './geometry.js';

/**
 * Metric helpers on the WGS84 ellipsoid, using the local scale factors of the ellipsoid at the
 * feature's latitude (error well below 0.1% over a few kilometres, which is what city features are).
 */
const A = 6378137.0; // WGS84 semi-major axis
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const RAD = Math.PI / 180;

/** metres per degree of longitude and latitude at latitude `lat` */
export function metresPerDegree(lat: number): [number, number] {
  const s = Math.sin(lat * RAD);
  const w2 = 1 - E2 * s * s;
  const w = Math.sqrt(w2);
  const kx = (A * Math.cos(lat * RAD)) / w * RAD; // prime vertical radius × cos φ
  const ky = (A * (1 - E2)) / (w2 * w) * RAD; // meridional radius
  return [kx, ky];
}

/** distance in metres between two lon/lat points (ellipsoidal, local approximation) */
export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const [kx, ky] = metresPerDegree((lat1 + lat2) / 2);
  let dl = lon2 - lon1;
  if (dl > 180) dl -= 360;
  else if (dl < -180) dl += 360;
  const dx = dl * kx;
  const dy = (lat2 - lat1) * ky;
  return Math.sqrt(dx * dx + dy * dy);
}

export function lineLengthM(coords: Position[]): number {
  let len = 0;
  for (let i = 1; i < coords.length; i++) len += distanceM(coords[i - 1][0], coords[i - 1][1], coords[i][0], coords[i][1]);
  return len;
}

function ringAreaM2(ring: Ring, kx: number, ky: number): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return Math.abs(s / 2) * kx * ky;
}

/** area in m² (outer rings minus holes) */
export function arealAreaM2(g: Areal): number {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let lat = 0;
  let n = 0;
  for (const p of polys) for (const pt of p[0] ?? []) { lat += pt[1]; n++; }
  if (n === 0) return 0;
  const [kx, ky] = metresPerDegree(lat / n);
  let area = 0;
  for (const p of polys) p.forEach((ring, k) => { area += (k === 0 ? 1 : -1) * ringAreaM2(ring, kx, ky); });
  return Math.max(0, area);
}

/**
 * Area-weighted centroid of the outer rings (vertex mean as fallback for degenerate rings).
 * Coordinates are taken relative to the first vertex: raw degrees (x≈114, y≈30) lose the
 * centroid of a building to cancellation by tens of metres.
 */
export function centroid(g: Geometry): Position {
  if (g.type === 'Point') return g.coordinates;
  // areal: every ring, outer rings adding and holes (rings after the first of a polygon) subtracting, whatever their orientation
  const rings: { r: Position[]; hole: boolean }[] =
    g.type === 'Polygon' ? g.coordinates.map((r, k) => ({ r, hole: k > 0 })) :
    g.type === 'MultiPolygon' ? g.coordinates.flatMap((p) => p.map((r, k) => ({ r, hole: k > 0 }))) :
    (g.type === 'LineString' || g.type === 'MultiPoint' ? [g.coordinates] : g.coordinates).map((r) => ({ r, hole: false }));
  const first = rings.find((x) => x.r.length)?.r[0];
  if (!first) return [NaN, NaN];
  const [ox, oy] = first;
  let cx = 0, cy = 0, a = 0, mx = 0, my = 0, n = 0;
  const isAreal = g.type === 'Polygon' || g.type === 'MultiPolygon';
  for (const { r, hole } of rings) {
    let ra = 0, rx = 0, ry = 0;
    for (let i = 0; i < r.length; i++) {
      const x1 = r[i][0] - ox, y1 = r[i][1] - oy;
      if (!hole) { mx += x1; my += y1; n++; }
      if (!isAreal || i === 0) continue;
      const x0 = r[i - 1][0] - ox, y0 = r[i - 1][1] - oy;
      const c = x0 * y1 - x1 * y0;
      ra += c; rx += (x0 + x1) * c; ry += (y0 + y1) * c;
    }
    const s = (ra < 0 ? -1 : 1) * (hole ? -1 : 1);
    a += s * ra; cx += s * rx; cy += s * ry;
  }
  if (isAreal && Math.abs(a) > 1e-20) return [ox + cx / (3 * a), oy + cy / (3 * a)];
  return [ox + mx / n, oy + my / n];
}

/** point in polygon (even-odd over all rings), lon/lat treated as planar: fine at city scale */
export function pointInAreal(x: number, y: number, g: Areal): boolean {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let inside = false;
  for (const p of polys) for (const ring of p) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export function bboxOf(g: Geometry): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (typeof (c as number[])[0] === 'number') {
      const [x, y] = c as Position;
      if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y; if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
    } else for (const d of c as unknown[]) visit(d);
  };
  visit(g.coordinates);
  return b;
}
