/**
 * Plan-metre geometry helpers: rectangles, polygons, slot layouts, footprints.
 */
import { Rng } from './prng.js';

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
export const rw = (r: Rect) => r.x1 - r.x0;
export const rh = (r: Rect) => r.y1 - r.y0;
export const rarea = (r: Rect) => rw(r) * rh(r);
export function polyArea(pts: number[]): number {
  let a = 0;
  const n = pts.length / 2;
  for (let k = 0; k < n; k++) {
    const k2 = (k + 1) % n;
    a += pts[2 * k] * pts[2 * k2 + 1] - pts[2 * k2] * pts[2 * k + 1];
  }
  return Math.abs(a) / 2;
}

export function ellipse(cx: number, cy: number, rx: number, ry: number, n: number, rng: Rng): number[] {
  const pts: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const f = rng.range(0.85, 1);
    pts.push(cx + rx * f * Math.cos(t), cy + ry * f * Math.sin(t));
  }
  return pts;
}

export function shrink(r: Rect, m: number): Rect {
  return { x0: r.x0 + m, y0: r.y0 + m, x1: r.x1 - m, y1: r.y1 - m };
}

/** Slots of size w×d laid out on a grid inside q (rows south to north), centred. */
export function layoutGrid(q: Rect, w: number, d: number, gapX: number, gapY: number): Rect[] {
  const W = rw(q);
  const H = rh(q);
  if (W < 8 || H < 8) return [];
  let nx = Math.floor((W + gapX) / (w + gapX));
  let ny = Math.floor((H + gapY) / (d + gapY));
  if (nx < 1) {
    if (W < w * 0.5) return [];
    nx = 1;
    w = W;
  }
  if (ny < 1) {
    if (H < d * 0.7) return [];
    ny = 1;
    d = H;
  }
  const ox = q.x0 + (W - (nx * w + (nx - 1) * gapX)) / 2;
  const oy = q.y0 + (H - (ny * d + (ny - 1) * gapY)) / 2;
  const out: Rect[] = [];
  for (let r = 0; r < ny; r++)
    for (let c = 0; c < nx; c++) {
      const x0 = ox + c * (w + gapX);
      const y0 = oy + r * (d + gapY);
      out.push({ x0, y0, x1: x0 + w, y1: y0 + d });
    }
  return out;
}

/** A footprint inside slot r: shrunk a little and moved within the slot (never beyond it). */
export function jitter(rng: Rng, r: Rect, minScale = 0.86): Rect {
  const w = rw(r) * rng.range(minScale, 1);
  const h = rh(r) * rng.range(minScale, 1);
  const x0 = r.x0 + rng.next() * (rw(r) - w);
  const y0 = r.y0 + rng.next() * (rh(r) - h);
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

/** Footprint as a polygon: a rectangle, sometimes with a notch cut from one corner. */
export function footprint(rng: Rng, r: Rect, notchP: number): number[] {
  if (!rng.chance(notchP) || rw(r) < 14 || rh(r) < 9) return [r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1];
  const nw = rw(r) * rng.range(0.2, 0.35);
  const nh = rh(r) * rng.range(0.3, 0.45);
  switch (rng.int(0, 3)) {
    case 0: // notch at NE
      return [r.x0, r.y0, r.x1, r.y0, r.x1, r.y1 - nh, r.x1 - nw, r.y1 - nh, r.x1 - nw, r.y1, r.x0, r.y1];
    case 1: // NW
      return [r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0 + nw, r.y1, r.x0 + nw, r.y1 - nh, r.x0, r.y1 - nh];
    case 2: // SE
      return [r.x0, r.y0, r.x1 - nw, r.y0, r.x1 - nw, r.y0 + nh, r.x1, r.y0 + nh, r.x1, r.y1, r.x0, r.y1];
    default: // SW
      return [r.x0 + nw, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1, r.x0, r.y0 + nh, r.x0 + nw, r.y0 + nh];
  }
}

export const cx = (r: Rect) => (r.x0 + r.x1) / 2;
export const cy = (r: Rect) => (r.y0 + r.y1) / 2;
/** polygon approximating a running track (stadium shape) inside r */
export function trackShape(r: Rect): number[] {
  const w = rw(r);
  const h = rh(r);
  const rad = Math.min(w, h) / 2;
  const pts: number[] = [];
  const horizontal = w >= h;
  const c1x = horizontal ? r.x0 + rad : cx(r);
  const c1y = horizontal ? cy(r) : r.y0 + rad;
  const c2x = horizontal ? r.x1 - rad : cx(r);
  const c2y = horizontal ? cy(r) : r.y1 - rad;
  const n = 8;
  for (let k = 0; k <= n; k++) {
    const t = horizontal ? Math.PI / 2 + (Math.PI * k) / n : Math.PI + (Math.PI * k) / n;
    pts.push(c1x + rad * Math.cos(t), c1y + rad * Math.sin(t));
  }
  for (let k = 0; k <= n; k++) {
    const t = horizontal ? -Math.PI / 2 + (Math.PI * k) / n : (Math.PI * k) / n;
    pts.push(c2x + rad * Math.cos(t), c2y + rad * Math.sin(t));
  }
  return pts;
}
