/**
 * The real browser of the web tests: Debian chromium through playwright-core (SwiftShader WebGL),
 * and the viewer built by Vite when dist/web is missing or older than its sources.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { DEFAULT_WEB_ROOT } from '../../src/server/app.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.OPENCIM_CHROMIUM ?? '/usr/bin/chromium';

function newest(dir: string): number {
  let m = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    m = Math.max(m, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

/** build the viewer when dist/web is missing or older than web/ or the sources it bundles (src/: the catalogue's styles, the domains' layers) */
export function ensureViewerBuilt(): void {
  const index = join(DEFAULT_WEB_ROOT, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(newest(join(ROOT, 'web')), newest(join(ROOT, 'src')))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vite build web failed: ${r.stderr}`);
}

/** headless chromium as the guide prescribes: no sandbox, software WebGL, no background traffic */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-background-networking'] });
}

/** which building `clickableBuilding` looks for */
export type ClickableKind = 'any' | 'use_yes' | 'residential_with_distances';

/**
 * A building of the viewer's map whose base is on screen, clear of the panels, and that a click
 * there hits (its footprint's vertex mean, projected); `hide` layers are hidden first so that
 * their symbols do not take the click.
 */
export function clickableBuilding(page: import('playwright-core').Page, kind: ClickableKind = 'any', hide: string[] = []) {
  return page.evaluate(([want, hidden]) => {
    const m = (window as unknown as { __opencim: { map: { getLayer(l: string): unknown; setLayoutProperty(l: string, k: string, v: string): void; getCanvas(): HTMLCanvasElement; queryRenderedFeatures(...a: unknown[]): { properties: Record<string, unknown>; geometry: unknown }[]; project(c: [number, number]): { x: number; y: number } } } }).__opencim.map;
    for (const l of hidden) if (m.getLayer(l)) m.setLayoutProperty(l, 'visibility', 'none');
    const w = m.getCanvas().clientWidth, h = m.getCanvas().clientHeight;
    for (const f of m.queryRenderedFeatures({ layers: ['buildings-3d'] })) {
      if (want === 'use_yes' && f.properties.use !== 'yes') continue;
      if (want === 'residential_with_distances' && (f.properties.residential !== true || !('d_bus_stop' in f.properties || 'd_supermarket' in f.properties))) continue;
      const g = f.geometry as { type: string; coordinates: number[][][] | number[][][][] };
      const ring = (g.type === 'Polygon' ? g.coordinates[0] : (g.coordinates as number[][][][])[0][0]) as number[][];
      const c = ring.slice(1).reduce((a, p) => [a[0] + p[0] / (ring.length - 1), a[1] + p[1] / (ring.length - 1)], [0, 0]);
      const p = m.project(c as [number, number]);
      if (p.x < 340 || p.x > w - 420 || p.y < 80 || p.y > h - 80) continue;
      const hit = m.queryRenderedFeatures(p, { layers: ['buildings-3d'] })[0];
      if (hit && hit.properties.id === f.properties.id) return { x: p.x, y: p.y, id: String(f.properties.id), residential: f.properties.residential === true };
    }
    return null;
  }, [kind, hide] as const);
}
