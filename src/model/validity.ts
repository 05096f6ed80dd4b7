/**
 * Validity proved cheaply, before the database is asked. The importer stages every row, but only
 * the rows this cannot prove valid are tested with PostGIS's ST_IsValid (GEOS), which was ~0.8 s
 * of the database's time of a 200k-building import: almost every building is one simple ring.
 *
 * `provablyValid` is one-sided: `true` only when the geometry is valid as OGC simple features (and
 * so GEOS) define it: finite coordinates, lines of two distinct points or more, and polygons of
 * ONE closed ring of three distinct vertices or more that does not touch or cross itself.
 * Everything else (holes, several parts, rings of more than MAX_RING vertices, an orientation too
 * close to zero to be sure of in floating point) is `false`: not proved here, for the database to
 * decide.
 *
 * The orientation test is the floating-point filter of Shewchuk's orient2d ("Adaptive precision
 * floating-point arithmetic and fast robust geometric predicates", 1997): a sign is used only when
 * the error bound proves it; the adaptive stages are not needed, as an unsure sign just means
 * "ask the database".
 */
import type { Geometry, Position } from './geometry.js';

/** rings with more distinct vertices than this go to the database (the pair test is quadratic) */
export const MAX_RING = 256;

const EPS = 2 ** -53;
const CCW_ERR_BOUND = (3 + 16 * EPS) * EPS;

/** sign of the orientation of (a, b, c): 1 left turn, -1 right turn, 0 collinear; NaN when floating point cannot tell */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const left = (ax - cx) * (by - cy);
  const right = (ay - cy) * (bx - cx);
  const det = left - right;
  let sum: number;
  if (left > 0) {
    if (right <= 0) return Math.sign(det);
    sum = left + right;
  } else if (left < 0) {
    if (right >= 0) return Math.sign(det);
    sum = -left - right;
  } else {
    return Math.sign(det);
  }
  const bound = CCW_ERR_BOUND * sum;
  return det >= bound ? 1 : -det >= bound ? -1 : NaN;
}

/** is (px, py), collinear with segment a–b, within its box (and so on it)? */
const within = (px: number, py: number, ax: number, ay: number, bx: number, by: number) =>
  px >= Math.min(ax, bx) && px <= Math.max(ax, bx) && py >= Math.min(ay, by) && py <= Math.max(ay, by);

/** do segments a–b and c–d meet (cross or touch)? NaN-free inputs; `undefined` when unsure */
function meet(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean | undefined {
  // boxes apart: they cannot meet (exact comparisons)
  if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx) || Math.max(ay, by) < Math.min(cy, dy) || Math.max(cy, dy) < Math.min(ay, by)) return false;
  const d1 = orient(cx, cy, dx, dy, ax, ay), d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy), d4 = orient(ax, ay, bx, by, dx, dy);
  if (Number.isNaN(d1) || Number.isNaN(d2) || Number.isNaN(d3) || Number.isNaN(d4)) return undefined;
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 === 0 && within(ax, ay, cx, cy, dx, dy)) || (d2 === 0 && within(bx, by, cx, cy, dx, dy))
    || (d3 === 0 && within(cx, cy, ax, ay, bx, by)) || (d4 === 0 && within(dx, dy, ax, ay, bx, by));
}

const xs = new Float64Array(MAX_RING + 1);
const ys = new Float64Array(MAX_RING + 1);

/** a closed ring that is simple: three distinct vertices or more, no edge touching another but its neighbours at their shared vertex */
function simpleRing(ring: Position[]): boolean {
  const n = ring.length;
  if (n < 4) return false;
  const first = ring[0], last = ring[n - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) return false;
  // distinct vertices (repeated consecutive points are allowed, and ignored, as GEOS does)
  let m = 0;
  for (let i = 0; i < n - 1; i++) {
    const x = ring[i][0], y = ring[i][1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    if (m > 0 && x === xs[m - 1] && y === ys[m - 1]) continue;
    if (m === MAX_RING) return false;
    xs[m] = x; ys[m] = y; m++;
  }
  if (m > 1 && xs[m - 1] === xs[0] && ys[m - 1] === ys[0]) m--;
  if (m < 3) return false;
  // neighbouring edges (i-1 → i → i+1): collinear and turning back is a spike (they overlap)
  for (let i = 0; i < m; i++) {
    const p = (i + m - 1) % m, q = (i + 1) % m;
    const o = orient(xs[p], ys[p], xs[i], ys[i], xs[q], ys[q]);
    if (Number.isNaN(o)) return false;
    if (o === 0 && (xs[p] - xs[i]) * (xs[q] - xs[i]) + (ys[p] - ys[i]) * (ys[q] - ys[i]) > 0) return false;
  }
  // every other pair of edges: apart
  for (let i = 0; i < m; i++) {
    const i1 = i + 1 === m ? 0 : i + 1;
    for (let j = i + 2; j < m; j++) {
      if (i === 0 && j === m - 1) continue; // the closing edge and the first one are neighbours
      const j1 = j + 1 === m ? 0 : j + 1;
      if (meet(xs[i], ys[i], xs[i1], ys[i1], xs[j], ys[j], xs[j1], ys[j1]) !== false) return false;
    }
  }
  return true;
}

const finite = (p: Position) => Number.isFinite(p[0]) && Number.isFinite(p[1]);

function validLine(line: Position[]): boolean {
  if (!line.length || !line.every(finite)) return false;
  return line.some((p) => p[0] !== line[0][0] || p[1] !== line[0][1]);
}

/** valid, and proved so here; `false`: not proved here (the database decides) */
export function provablyValid(g: Geometry): boolean {
  switch (g.type) {
    case 'Point': return finite(g.coordinates);
    case 'MultiPoint': return g.coordinates.length > 0 && g.coordinates.every(finite);
    case 'LineString': return validLine(g.coordinates);
    case 'MultiLineString': return g.coordinates.length > 0 && g.coordinates.every(validLine);
    case 'Polygon': return g.coordinates.length === 1 && simpleRing(g.coordinates[0]);
    case 'MultiPolygon': return g.coordinates.length === 1 && g.coordinates[0].length === 1 && simpleRing(g.coordinates[0][0]);
  }
}
