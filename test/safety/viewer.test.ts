import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegisterFiles } from '../../src/domains/safety/store.js';
import { parseRegisterText } from '../../src/domains/safety/csv.js';
import { ensureViewerBuilt, launchChromium, ROOT } from '../helpers/browser.js';
import { DRIVERS } from '../helpers/stores.js';
import { cityServer, CITY } from '../server/fixture.js';

/** The viewer's safety mode and panel section, end to end in headless chromium over the Haidian extract with a register. */
const OUT = join(ROOT, 'test-output/web');

describe('viewer: house safety (chromium)', () => {
  let s: Awaited<ReturnType<typeof cityServer>>;
  let browser: Browser;
  let page: Page;
  let base: string;
  const errors: string[] = [];
  beforeAll(async () => {
    ensureViewerBuilt();
    mkdirSync(OUT, { recursive: true });
    s = await cityServer(await DRIVERS[0].fresh(), {}, { access: false });
    const ids = (await s.store.query<{ id: string }>('SELECT id FROM buildings_current WHERE city_id = $1 ORDER BY id', [CITY])).map((x) => x.id);
    const head = 'building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund';
    const ihead = 'inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by,photos';
    await importRegisterFiles(s.store, CITY, [
      parseRegisterText('profiles.csv', [head, ...ids.map((id, k) => `${id},${1960 + (k % 60)},50,brick_concrete,6,,residential,12,0,8,0,,,`)].join('\n')),
      parseRegisterText('inspections.csv', [ihead, ...ids.map((id, k) => `I-${id},${id},2024-0${1 + (k % 9)}-15,市房屋安全鉴定中心,张三,现场查勘,${'ABCD'[k % 4]},${k % 4 >= 2 ? 'structure' : ''},${k % 4 >= 2 ? 'observe' : ''},${k % 4 >= 2 ? '2025-06-30' : ''},,,https://example.org/photos/${id}.jpg`)].join('\n')),
    ], { actor: 'test' });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 860 }, locale: 'zh-CN' });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 300_000);
  afterAll(async () => { await browser?.close(); await s?.close(); });

  it('the served style holds the safety layer and stays a valid MapLibre style', async () => {
    const { validateStyleMin } = await import('@maplibre/maplibre-gl-style-spec');
    const style = await (await fetch(`${base}/styles/city.json`)).json();
    expect(validateStyleMin(style)).toEqual([]);
    const layer = style.layers.find((l: { id: string }) => l.id === 'safety-3d');
    expect(layer).toMatchObject({ type: 'fill-extrusion', source: 'building_safety', layout: { visibility: 'none' } });
  });

  it('the safety risk mode colours the register by grade, and the panel shows the inspection history', async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.__opencim?.firstBuildingsMs !== undefined, null, { timeout: 120_000 });
    const options = await page.evaluate(() => [...document.querySelectorAll('#mode option')].map((o) => (o as HTMLOptionElement).value));
    expect(options).toContain('risk');
    await page.selectOption('#mode', 'risk');
    await page.waitForFunction(() => window.__opencim!.map.getLayoutProperty('safety-3d', 'visibility') === 'visible', null, { timeout: 10_000 });
    await page.waitForFunction(() => window.__opencim!.map.queryRenderedFeatures({ layers: ['safety-3d'] }).length > 20, null, { timeout: 60_000 });
    const r = await page.evaluate(() => {
      const f = window.__opencim!.map.queryRenderedFeatures({ layers: ['safety-3d'] });
      return { n: f.length, grades: [...new Set(f.map((x) => x.properties.safety_grade))].sort(), id: String(f[0].properties.id), legend: document.querySelector('#side')?.textContent ?? '' };
    });
    expect(r.grades).toEqual(['A', 'B', 'C', 'D']);
    expect(r.legend).toContain('D 级(整幢危房)');
    await page.screenshot({ path: join(OUT, 'safety-risk.png') });
    await page.evaluate((id) => window.__opencim!.openBuilding(id), r.id);
    await page.waitForSelector('#panel section.safety .inspections li', { timeout: 30_000 });
    const panel = await page.evaluate(() => (document.querySelector('#panel section.safety') as HTMLElement).innerText);
    expect(panel).toContain('房屋安全');
    expect(panel).toMatch(/2024-0\d-15/);
    expect(panel).toContain('市房屋安全鉴定中心');
    // the seismic intensity with its basis; the inspection's photo is the staff's (the public view leaves it out, and says so)
    expect(panel).toMatch(/抗震设防烈度\s+8 依据：房屋档案/);
    expect(await page.evaluate(() => document.querySelector('#panel section.safety a.photo'))).toBeNull();
    expect(panel).toContain('鉴定人、验收人与照片仅限授权工作人员查看');
    // back to another mode: the register layer hides
    await page.selectOption('#mode', 'era');
    expect(await page.evaluate(() => window.__opencim!.map.getLayoutProperty('safety-3d', 'visibility'))).toBe('none');
    expect(errors).toEqual([]);
  }, 240_000);
});
