import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPmtiles } from '../../src/server/tiles/pmtiles.js';
import { buildPyramid } from '../../src/server/tiles/pyramid.js';
import { ensureViewerBuilt, launchChromium } from '../helpers/browser.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { cityServer } from '../server/fixture.js';

/**
 * The viewer with `?pmtiles=URL`: the city's layers drawn from a PMTiles archive of `opencim tiles
 * export`, hosted by a plain static server on another origin (Range requests, CORS), not from the
 * OpenCIM server's tiles.
 */

/** a static file server with byte ranges and CORS, as a city's web host would be */
function rangeServer(file: string, hits: string[]): Promise<{ url: string; server: HttpServer }> {
  const body = readFileSync(file);
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'range, if-match');
    res.setHeader('access-control-expose-headers', 'etag, content-range, content-length');
    if (req.method === 'OPTIONS') { res.writeHead(204).end(); return; }
    const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    hits.push(String(req.headers.range ?? 'all'));
    res.setHeader('etag', '"city-1"');
    if (!m) { res.writeHead(200, { 'content-length': body.length }).end(body); return; }
    const a = Number(m[1]), b = Math.min(Number(m[2]), body.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${body.length}`, 'content-length': b - a + 1 }).end(body.subarray(a, b + 1));
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/city.pmtiles`, server })));
}

describe('viewer with ?pmtiles= (chromium)', () => {
  let s: Awaited<ReturnType<typeof cityServer>>;
  let browser: Browser;
  let files: { url: string; server: HttpServer };
  let base: string;
  const ranges: string[] = [];

  beforeAll(async () => {
    ensureViewerBuilt();
    s = await cityServer(await DRIVERS[0].fresh(), {});
    const p = await buildPyramid(s.store, { actor: 'test' });
    const file = join(tempDir('pmtiles-'), 'city.pmtiles');
    await exportPmtiles(s.store, p, file);
    files = await rangeServer(file, ranges);
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => files?.server.close(r));
    await s?.close();
  });

  it('draws the buildings from the PMTiles file; no building tile is asked of the server', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const serverTiles: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => { if (r.url().startsWith(`${base}/tiles/`) && r.url().includes('.mvt')) serverTiles.push(r.url()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/?pmtiles=${encodeURIComponent(files.url)}`);
    await page.waitForFunction(() => window.__opencim?.firstBuildingsMs !== undefined, null, { timeout: 90_000 });
    await page.waitForFunction(() => window.__opencim!.map.loaded() && window.__opencim!.map.areTilesLoaded(), null, { timeout: 60_000 });
    const r = await page.evaluate(() => {
      const m = window.__opencim!.map;
      const b = m.queryRenderedFeatures({ layers: ['buildings-3d'] });
      return { buildings: b.length, url: (m.getSource('buildings') as unknown as { url?: string }).url, hasD: b.some((f) => Object.keys(f.properties).some((k) => k.startsWith('d_'))) };
    });
    expect(errors).toEqual([]);
    expect(r.url).toBe(`pmtiles://${files.url}`);
    expect(r.buildings).toBeGreaterThan(10);
    expect(r.hasD).toBe(true); // the walking distances are in the file's buildings
    expect(ranges.filter((h) => h.startsWith('bytes=')).length).toBeGreaterThan(1); // the header, then tiles
    expect(serverTiles.filter((u) => u.includes('/tiles/buildings/'))).toEqual([]);
    await page.close();
  });
});
