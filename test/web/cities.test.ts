import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, ConsoleMessage, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickableBuilding, ensureViewerBuilt, launchChromium, ROOT } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, DRIVERS, tempDir } from '../helpers/stores.js';
import { buildServer, type Server } from '../../src/server/app.js';
import { openStore, type Store } from '../../src/store/driver.js';
import { opsConfig, report } from '../../src/domains/operations/store.js';

/**
 * The viewer on a store with two cities far apart, set up with the CLI as a user would: `gen` (the
 * generated city, Wuhan) with walking access, a health check, a safety register and one case
 * without unit grids; `haidian` (the real extract, Beijing) with the city model only (no access
 * run, no register, no cases, no carbon run). In headless Debian chromium: the city switcher
 * frames the new city, nothing the city lacks is asked for (no 404, no console error), the colour
 * modes without data are disabled saying why, the header holds its buttons on one line, and the
 * dashboard and building panel speak Chinese (units, building use). The store is a PostgreSQL
 * database (read as `opencim serve --db postgres://...` reads it): the subject is the viewer, and
 * each CLI start on an embedded store costs seconds.
 */
const OUT = join(ROOT, 'test-output/web');

describe('viewer: several cities, what each holds (chromium)', () => {
  let store: Store;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  let genBox: number[];
  let haidianBox: number[];
  let registered: string[];
  const errors: string[] = [];
  const failed: string[] = [];
  const asked: string[] = [];

  beforeAll(async () => {
    ensureViewerBuilt();
    mkdirSync(OUT, { recursive: true });
    const db = await DRIVERS[1].fresh({ migrated: true });
    const dir = tempDir('cities-');
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '-q']);
      if (r.code !== 0) throw new Error(`opencim ${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    // (generating the city needs no store: it runs beside the import of the other)
    await Promise.all([cli('generate', '--buildings', '1500', '--out', join(dir, 'gen.osm.pbf')), cli('import', dataFile('beijing-haidian-cau.osm.pbf'), '--db', db, '--city', 'haidian')]);
    await cli('import', join(dir, 'gen.osm.pbf'), '--db', db, '--city', 'gen');
    await cli('access', '--db', db, '--city', 'gen', '--out', join(dir, 'access.csv'));
    // a safety register of 300 residential buildings, graded A–D in turn
    registered = readFileSync(join(dir, 'access.csv'), 'utf8').trim().split('\n').slice(1, 301).map((l) => l.split(',')[0]);
    writeFileSync(join(dir, 'profiles.csv'), ['building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund',
      ...registered.map((id, k) => `${id},${1960 + (k % 60)},50,brick_concrete,6,,residential,12,0,8,0,,,`)].join('\n'));
    writeFileSync(join(dir, 'inspections.csv'), ['inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by,photos',
      ...registered.map((id, k) => `I-${id},${id},2024-0${1 + (k % 9)}-15,市房屋安全鉴定中心,张三,现场查勘,${'ABCD'[k % 4]},,,,,,`)].join('\n'));
    await cli('safety', 'import', join(dir, 'profiles.csv'), join(dir, 'inspections.csv'), '--db', db, '--city', 'gen');
    await cli('check', '--db', db, '--city', 'gen', '--out', join(dir, 'check'));
    store = await openStore(db);
    const box = async (city: string) => {
      const [r] = await store.query<{ w: number; s: number; e: number; n: number }>(
        'SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n FROM (SELECT ST_Extent(geom) AS b FROM buildings_current WHERE city_id = $1) x', [city]);
      return [r.w, r.s, r.e, r.n].map(Number);
    };
    genBox = await box('gen');
    haidianBox = await box('haidian');
    // one case in gen and no unit grid: the cases layer is there, its hot spots are not
    const [p] = await store.query<{ x: number; y: number }>('SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(geom) AS c FROM buildings_current WHERE city_id = $1 ORDER BY id LIMIT 1) b', ['gen']);
    await report(store, opsConfig(), { cityId: 'gen', serviceCode: 'garbage', attributes: {}, lon: p.x, lat: p.y, channel: 'open311', actor: 'test' });
    server = await buildServer(store, { tokens: [], pgUrl: db });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r: Response) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
    page.on('request', (r) => asked.push(r.url()));
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await store?.close();
  });

  const loaded = () => page.waitForFunction(() => window.__opencim?.firstBuildingsMs !== undefined, null, { timeout: 90_000 });
  const idle = () => page.evaluate(() => new Promise<void>((res) => { const m = window.__opencim!.map; if (m.loaded() && m.areTilesLoaded()) res(); else m.once('idle', () => res()); }));
  /** the map's centre and the buildings drawn: ids, and whether every one lies in the box */
  const drawn = () => page.evaluate(() => {
    const m = window.__opencim!.map;
    const f = m.queryRenderedFeatures({ layers: ['buildings-3d'] });
    const pts = f.map((x) => { const g = x.geometry as { type: string; coordinates: number[][][] | number[][][][] }; return (g.type === 'Polygon' ? (g.coordinates as number[][][])[0][0] : (g.coordinates as number[][][][])[0][0][0]); });
    return { n: f.length, center: m.getCenter().toArray(), pts: pts.slice(0, 200) };
  });
  const inside = (p: number[], b: number[]) => p[0] >= b[0] - 0.01 && p[0] <= b[2] + 0.01 && p[1] >= b[1] - 0.01 && p[1] <= b[3] + 0.01;
  /** a building whose base is on screen, clear of the panels, that a click there hits */
  const clickable = (filter: 'any' | 'yes' = 'any') => clickableBuilding(page, filter === 'yes' ? 'use_yes' : 'any', ['facilities-circle', 'cases-circle']);

  it('a city without register, cases, carbon or access: loading and clicking a building ask for nothing it lacks (no 404, no console error)', async () => {
    await page.goto(`${base}/?city=haidian`);
    await loaded();
    await idle();
    const target = await clickable();
    expect(target).not.toBeNull();
    await page.mouse.click(target!.x, target!.y);
    await page.waitForSelector('#panel .distances', { timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(OUT, 'cities-haidian-panel.png') });
    expect(await page.evaluate(() => window.__opencim!.state.selected)).toBe(target!.id);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    // not provoked: what the city's /collections does not list is never asked for
    expect(asked.filter((u) => /\/collections\/(cases|case_hotspots|building_safety|building_carbon)\b|\/api\/v1\/safety\/|\/access\b|\/tiles\/(cases|case_hotspots|building_safety|renewal_candidates|building_carbon)\b/.test(u))).toEqual([]);
    // the layer control lists what the city holds (no renewal candidates without a health check)
    const groups = await page.evaluate(() => [...document.querySelectorAll('#side input[data-group]')].map((e) => (e as HTMLInputElement).dataset.group));
    expect(groups).toContain('buildings');
    expect(groups).not.toContain('renewal_candidates');
    expect(groups).not.toContain('cases');
  });

  it('colour modes without data are disabled, saying why in Chinese and English; the first mode with data is chosen', async () => {
    const modes = await page.evaluate(() => [...document.querySelectorAll<HTMLOptionElement>('#mode option')].map((o) => ({ v: o.value, disabled: o.disabled, text: o.textContent, title: o.title, selected: o.selected })));
    const by = Object.fromEntries(modes.map((m) => [m.v, m]));
    expect(by.use).toMatchObject({ disabled: false, selected: true });
    for (const [id, cmd] of [['carbon', 'opencim carbon'], ['risk', 'opencim safety import'], ['access', 'opencim access']] as const) {
      expect(by[id]).toMatchObject({ disabled: true, selected: false });
      expect(by[id].text).toContain('无数据');
      expect(by[id].title).toMatch(/^无数据/);
      expect(by[id].title).toContain('no data');
      expect(by[id].title).toContain(cmd);
    }
  });

  it('with a safety register the risk mode is offered and colours the register by grade; a building outside the register is not asked for its profile', async () => {
    failed.length = 0; errors.length = 0; asked.length = 0;
    await page.goto(`${base}/?city=gen`);
    await loaded();
    const modes = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLOptionElement>('#mode option')].map((o) => [o.value, o.disabled])));
    expect(modes).toMatchObject({ use: false, access: false, risk: false, carbon: true });
    await page.selectOption('#mode', 'risk');
    await page.waitForFunction(() => window.__opencim!.map.queryRenderedFeatures({ layers: ['safety-3d'] }).length > 20, null, { timeout: 60_000 });
    const grades = await page.evaluate(() => [...new Set(window.__opencim!.map.queryRenderedFeatures({ layers: ['safety-3d'] }).map((f) => f.properties.safety_grade))].sort());
    expect(grades).toEqual(['A', 'B', 'C', 'D']);
    await page.screenshot({ path: join(OUT, 'cities-gen-risk.png') });
    // a registered building: its safety section
    await page.evaluate((id) => window.__opencim!.openBuilding(id), registered[0]);
    await page.waitForSelector('#panel section.safety', { timeout: 30_000 });
    expect(await page.evaluate(() => (document.querySelector('#panel section.safety') as HTMLElement).innerText)).toContain('市房屋安全鉴定中心');
    // a building outside the register: no section, and no 404 for its profile
    await page.selectOption('#mode', 'use');
    const outside = await page.evaluate((reg) => {
      const set = new Set(reg);
      return window.__opencim!.map.queryRenderedFeatures({ layers: ['buildings-3d'] }).map((f) => String(f.properties.id)).find((id) => !set.has(id)) ?? null;
    }, registered);
    expect(outside).not.toBeNull();
    await page.evaluate((id) => window.__opencim!.openBuilding(id), outside!);
    await page.waitForSelector('#panel .distances', { timeout: 30_000 });
    expect(await page.$('#panel section.safety')).toBeNull();
    expect(asked.some((u) => u.includes(`/api/v1/safety/profiles/${registered[0]}`))).toBe(true);
    expect(asked.some((u) => u.includes(`/api/v1/safety/profiles/${outside}`))).toBe(false);
    // cases without unit grids: the cases layer, no hot spots asked for
    const groups = await page.evaluate(() => [...document.querySelectorAll('#side input[data-group]')].map((e) => (e as HTMLInputElement).dataset.group));
    expect(groups).toContain('cases');
    expect(groups).not.toContain('case_hotspots');
    expect(asked.filter((u) => u.includes('case_hotspots'))).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the dashboard in Chinese gives the units in Chinese with thousands separators; the building panel names the use', async () => {
    await page.click('#btn-dash');
    await page.waitForSelector('#panel .ind-table table', { timeout: 30_000 });
    const text = await page.evaluate(() => (document.querySelector('#panel') as HTMLElement).innerText);
    expect(text).not.toMatch(/m2\/person|persons\/km2|km\/km2\b/);
    expect(text).toMatch(/\d{1,3}(,\d{3})+ 人\/km²/);
    await page.screenshot({ path: join(OUT, 'cities-dashboard-zh.png') });
    await page.click('#btn-lang');
    await expect.poll(() => page.evaluate(() => (document.querySelector('#panel') as HTMLElement).innerText), { timeout: 10_000 }).toMatch(/\d{1,3}(,\d{3})+ persons\/km²/);
    await page.click('#btn-lang');
    // building=yes: 未注明用途, never the raw "yes"
    await page.click('#panel [data-close]');
    const yes = await clickable('yes');
    expect(yes).not.toBeNull();
    await page.mouse.click(yes!.x, yes!.y);
    await page.waitForSelector('#panel .distances', { timeout: 30_000 });
    const use = await page.evaluate(() => [...document.querySelectorAll('#panel table.kv tr')].find((tr) => tr.querySelector('th')?.textContent === '用途')?.querySelector('td')?.textContent);
    expect(use).toBe('未注明用途');
    await page.screenshot({ path: join(OUT, 'cities-gen-panel.png') });
    expect(errors).toEqual([]);
  });

  it('the city switcher opens the other city framed on its bounds, not on the view of the city left', async () => {
    await page.evaluate(() => { (document.querySelector('#panel') as HTMLElement).hidden = true; });
    expect(page.url()).toMatch(/#\d/); // the view of gen is in the URL
    await page.selectOption('#city', 'haidian');
    await page.waitForURL((u) => u.searchParams.get('city') === 'haidian', { timeout: 30_000 });
    await loaded();
    await idle();
    const d = await drawn();
    expect(d.n).toBeGreaterThan(50);
    expect(inside(d.center, haidianBox)).toBe(true);
    expect(d.pts.every((p) => inside(p, haidianBox))).toBe(true);
    await page.screenshot({ path: join(OUT, 'cities-switched.png') });
    // a link of one city carrying the view of another (QA's case): the city is framed
    const genView = `#15/${((genBox[1] + genBox[3]) / 2).toFixed(5)}/${((genBox[0] + genBox[2]) / 2).toFixed(5)}/0/55`;
    await page.goto('about:blank');
    await page.goto(`${base}/?city=haidian${genView}`);
    await loaded();
    await idle();
    const q = await drawn();
    expect(q.n).toBeGreaterThan(50);
    expect(inside(q.center, haidianBox)).toBe(true);
    // a view of the city itself is honoured
    const own = [(haidianBox[0] + haidianBox[2]) / 2 + 0.002, (haidianBox[1] + haidianBox[3]) / 2 - 0.001];
    await page.goto('about:blank');
    await page.goto(`${base}/?city=haidian#16.5/${own[1].toFixed(5)}/${own[0].toFixed(5)}/0/50`);
    await loaded();
    const c = await page.evaluate(() => ({ c: window.__opencim!.map.getCenter().toArray(), z: window.__opencim!.map.getZoom() }));
    expect(c.z).toBeCloseTo(16.5, 1);
    expect(Math.abs(c.c[0] - own[0])).toBeLessThan(1e-4);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the header holds the switcher and every button on one line, inside it, at 1280×800 and 1024×768, in Chinese and English', async () => {
    for (const [w, h] of [[1280, 800], [1024, 768]]) {
      await page.setViewportSize({ width: w, height: h });
      for (const l of ['zh', 'en']) {
        await page.goto(`${base}/?city=gen&lang=${l}`);
        await page.waitForFunction(() => window.__opencim?.ready && document.querySelector('#btn-dash')?.textContent, null, { timeout: 60_000 });
        const r = await page.evaluate(() => {
          const top = document.querySelector('#top')!.getBoundingClientRect();
          return [...document.querySelectorAll<HTMLElement>('#top nav > *, #top h1')].filter((el) => getComputedStyle(el).display !== 'none').map((el) => {
            const b = el.getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(el);
            const lines = new Set([...range.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
            return { el: el.id || el.tagName, text: el.textContent?.trim() ?? '', inside: b.left >= top.left && b.right <= top.right + 0.5 && b.top >= top.top && b.bottom <= top.bottom, h: Math.round(b.height), w: Math.round(b.width), lines, sw: el.scrollWidth, cw: el.clientWidth };
          });
        });
        await page.screenshot({ path: join(OUT, `cities-header-${w}-${l}.png`), clip: { x: 0, y: 0, width: w, height: 60 } });
        const label = `${w}×${h} ${l}`;
        expect(r.map((x) => x.el), label).toEqual(expect.arrayContaining(['title', 'city', 'btn-dash', 'btn-lang', 'A']));
        for (const x of r) {
          expect(x.inside, `${label} ${x.el} inside the header`).toBe(true);
          if (x.el === 'city') { expect(x.w, `${label} switcher width`).toBeGreaterThanOrEqual(48); continue; }
          expect(x.text.length, `${label} ${x.el} has its label`).toBeGreaterThan(1);
          expect(x.lines, `${label} ${x.el} "${x.text}" on one line`).toBe(1);
          expect(x.h, `${label} ${x.el} height`).toBeLessThanOrEqual(32);
          if (x.el !== 'title') expect(x.sw, `${label} ${x.el} not clipped`).toBeLessThanOrEqual(x.cw + 1);
        }
      }
    }
    expect(errors).toEqual([]);
  });
});
