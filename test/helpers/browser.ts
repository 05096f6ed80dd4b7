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
