import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureViewerBuilt, launchChromium, ROOT } from '../helpers/browser.js';
import { DRIVERS } from '../helpers/stores.js';
import { CITY, cityServer } from '../server/fixture.js';
import { generateGrids } from '../../src/domains/operations/grids.js';
import { act, opsConfig, report } from '../../src/domains/operations/store.js';

/**
 * The viewer's city operations layers in headless Debian chromium: cases on the map by stage and
 * class, the hot-spot grids and the heat map in the layer control, over a real extract (Haidian)
 * with unit grids generated on it and cases reported through the store. What the map renders is
 * checked against the database, counted another way (cases inside each grid's polygon).
 */
const OUT = join(ROOT, 'test-output/web');

const cfg = opsConfig();
const CLASSES = ['garbage', 'road_damage', 'illegal_parking', 'street_light'];

describe('viewer: city operations layers (chromium)', () => {
  let s: Awaited<ReturnType<typeof cityServer>>;
  let browser: Browser;
  let page: Page;
  let base: string;
  const errors: string[] = [];
  let ids: string[] = [];
  let bbox: [number, number, number, number];

  beforeAll(async () => {
    ensureViewerBuilt();
    mkdirSync(OUT, { recursive: true });
    s = await cityServer(await DRIVERS[0].fresh(), {}, { access: false });
    await generateGrids(s.store, CITY, { actor: 'test' });
    // 24 cases on building centroids (spread > 50 m apart, so none is a duplicate), 4 classes;
    // some moved along the cycle, some reported 3 days ago (past their deadline), one duplicate
    const pts = await s.store.query<{ x: number; y: number }>(
      `SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(geom) AS c, id FROM buildings_current WHERE city_id = $1 ORDER BY id) b
       WHERE NOT EXISTS (SELECT 1 FROM buildings_current o WHERE o.city_id = $1 AND o.id < b.id AND ST_DWithin(ST_PointOnSurface(o.geom)::geography, b.c::geography, 60))
       LIMIT 24`, [CITY]);
    expect(pts.length).toBe(24);
    const now = Date.now();
    for (const [i, p] of pts.entries()) {
      const c = await report(s.store, cfg, { cityId: CITY, serviceCode: CLASSES[i % 4], attributes: CLASSES[i % 4] === 'road_damage' ? { size: 'small' } : {}, lon: p.x, lat: p.y, channel: 'open311', actor: 'test', at: i % 6 === 3 ? now - 3 * 86400_000 : now });
      ids.push(c.id);
      if (i % 3 === 1) await act(s.store, cfg, { cityId: CITY, id: c.id, action: 'accept', roles: ['supervisor'], actor: 'test' });
      if (i % 3 === 2) {
        await act(s.store, cfg, { cityId: CITY, id: c.id, action: 'accept', roles: ['supervisor'], actor: 'test' });
        await act(s.store, cfg, { cityId: CITY, id: c.id, action: 'dispatch', roles: ['dispatcher'], actor: 'test' });
      }
    }
    const dup = await report(s.store, cfg, { cityId: CITY, serviceCode: CLASSES[0], lon: pts[0].x + 0.0001, lat: pts[0].y, channel: 'open311', actor: 'test' });
    expect(dup.duplicate_of).toBe(ids[0]);
    ids.push(dup.id);
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    bbox = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });
  const idle = () => page.evaluate(() => new Promise<void>((res) => { const m = window.__opencim!.map; m.once('idle', () => res()); m.triggerRepaint(); }));
  const rendered = (layer: string, key: string) => page.evaluate(([l, k]) => {
    const m = window.__opencim!.map;
    const seen = new Map<string, Record<string, unknown>>();
    for (const f of m.queryRenderedFeatures({ layers: [l] })) seen.set(String(f.properties[k]), f.properties);
    return [...seen.values()];
  }, [layer, key] as const);

  it('draws every case by its stage, the overdue ones ringed, and the hot-spot grids with the open counts of the database', async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.__opencim?.map.loaded(), null, { timeout: 90_000 });
    // look straight down on the cases (padding keeps them clear of the side panel)
    await page.evaluate((b) => { const m = window.__opencim!.map; m.jumpTo({ pitch: 0, bearing: 0 }); m.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: { top: 80, bottom: 80, left: 340, right: 80 }, animate: false }); }, bbox);
    await idle();
    await page.waitForFunction(() => window.__opencim!.map.areTilesLoaded(), null, { timeout: 60_000 });
    const cases = await rendered('cases-circle', 'id');
    const db = await s.store.query<{ id: string; status: string; service_code: string; overdue: boolean }>(
      `SELECT id, status, service_code, coalesce(deadline < now(), false) AS overdue FROM cases_current WHERE city_id = $1 ORDER BY id`, [CITY]);
    expect(db.length).toBe(25);
    const byId = new Map(cases.map((p) => [String(p.id), p]));
    expect([...byId.keys()].sort()).toEqual(db.map((r) => r.id).sort());
    for (const r of db) expect([r.id, byId.get(r.id)!.status, byId.get(r.id)!.service_code, byId.get(r.id)!.overdue]).toEqual([r.id, r.status, r.service_code, r.overdue]);
    expect(new Set(db.map((r) => r.status))).toEqual(new Set(['reported', 'accepted', 'dispatched', 'duplicate']));
    expect(db.filter((r) => r.overdue).length).toBeGreaterThan(0);
    // the circle colour is the stage's: read back from the rendered style
    const colour = await page.evaluate(() => JSON.stringify(window.__opencim!.map.getPaintProperty('cases-circle', 'circle-color')));
    expect(colour).toContain('dispatched');

    // hot spots: open cases per unit grid, counted independently by point in the grid polygon
    const hot = await rendered('case-hotspots-fill', 'code');
    const expected = await s.store.query<{ code: string; n: number }>(
      `SELECT g.code, count(*)::int AS n FROM grids_current g JOIN cases_current c ON c.city_id = g.city_id AND ST_Covers(g.geom, c.geom)
       WHERE g.city_id = $1 AND g.level = 'unit' AND c.duplicate_of IS NULL AND c.status IN ('reported', 'accepted', 'dispatched', 'handled', 'verified')
       GROUP BY g.code ORDER BY g.code`, [CITY]);
    // (the grids cover the communities: a case outside them has no grid and is in no hot spot)
    const [{ located }] = await s.store.query<{ located: number }>(
      `SELECT count(*)::int AS located FROM cases_current WHERE city_id = $1 AND grid_code IS NOT NULL AND duplicate_of IS NULL AND status <> 'closed'`, [CITY]);
    expect(located).toBeGreaterThan(12);
    expect(expected.reduce((a, r) => a + r.n, 0)).toBe(located);
    expect(expected.length).toBeGreaterThan(3);
    expect(hot.map((p) => [String(p.code), Number(p.open_cases)]).sort()).toEqual(expected.map((r) => [r.code, r.n]).sort());
    await page.screenshot({ path: join(OUT, 'operations-cases-zh.png') });
    expect(errors).toEqual([]);
  });

  it('the layer control (Chinese first) switches the cases, the hot spots and the heat map; the class filter hides a class', async () => {
    const labels = await page.evaluate(() => [...document.querySelectorAll('#side input[data-group]')].map((el) => [(el as HTMLInputElement).dataset.group, el.parentElement!.textContent!.trim(), (el as HTMLInputElement).checked]));
    expect(labels).toEqual(expect.arrayContaining([['cases', '城市运行案件', true], ['case_hotspots', '案件热点(单元网格)', true], ['case_heat', '案件热力图', false]]));
    const legend = await page.evaluate(() => document.querySelector('#case-stages')!.textContent);
    expect(legend).toContain('已派遣');
    const vis = (id: string) => page.evaluate((l) => window.__opencim!.map.getLayoutProperty(l, 'visibility') ?? 'visible', id);
    expect(await vis('cases-heat')).toBe('none');
    await page.click('#side input[data-group="case_heat"]');
    expect(await vis('cases-heat')).toBe('visible');
    await page.click('#side input[data-group="case_hotspots"]');
    expect([await vis('case-hotspots-fill'), await vis('case-hotspots-line')]).toEqual(['none', 'none']);
    await idle();
    await page.screenshot({ path: join(OUT, 'operations-heat-zh.png') });
    // class filter: garbage off → no garbage case drawn, the others still are
    await page.click('#side input[data-case="garbage"]');
    await idle();
    const left = await rendered('cases-circle', 'id');
    expect(left.some((p) => p.service_code === 'garbage')).toBe(false);
    expect(left.length).toBe(18);
    await page.click('#side input[data-group="cases"]');
    expect(await vis('cases-circle')).toBe('none');
    // English beside it
    await page.click('#btn-lang');
    const en = await page.evaluate(() => [...document.querySelectorAll('#side input[data-group]')].map((el) => el.parentElement!.textContent!.trim()));
    expect(en).toEqual(expect.arrayContaining(['City operations cases', 'Case hot spots (unit grids)', 'Case heat map']));
    await page.click('#btn-lang');
    expect(errors).toEqual([]);
  });
});
