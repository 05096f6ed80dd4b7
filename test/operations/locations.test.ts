/**
 * Where a report may be, and what a client may send, as a city's channels meet them (QA): a JSON
 * body on Open311's POST (numbers, an attribute object) is taken like the form it stands for, not a
 * 500; one rule of "inside the city" for every channel (Open311 and the staff API refuse a point
 * outside, the 12345 import keeps the ticket and warns); a grid's department assignment names a
 * department of the catalogue; Open311's errors say it in Chinese too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';
import { buildServer } from '../../src/server/app.js';
import type { Store } from '../../src/store/driver.js';
import { addKey } from '../../src/domains/operations/keys.js';
import { importHotline } from '../../src/domains/operations/hotline.js';
import { getCase, listCases, opsConfig } from '../../src/domains/operations/store.js';
import { assignGrid, generateGrids } from '../../src/domains/operations/grids.js';

const TOKEN = 'tok-grid-worker-0123456789abcdef';
const OUTSIDE = { lon: 121.47, lat: 31.23 };   // Shanghai, far from the Haidian extract

describe.each(DRIVERS)('report locations and bodies ($name)', (driver) => {
  let store: Store, base: string, close: () => Promise<void>, key: string, lon = 0, lat = 0;
  beforeAll(async () => {
    store = await cityStore(await driver.fresh(), { access: false });
    const [b] = await store.query<{ x: number; y: number }>('SELECT ST_X(ST_Centroid(ST_Extent(bbox))) x, ST_Y(ST_Centroid(ST_Extent(bbox))) y FROM sources');
    lon = Number(Number(b.x).toFixed(6)); lat = Number(Number(b.y).toFixed(6));
    key = await addKey(store, 'app', 'test');
    const s = await buildServer(store, { tokens: [{ token: TOKEN, role: 'grid_worker', name: 'gw' }] });
    base = await s.app.listen({ port: 0, host: '127.0.0.1' });
    close = async () => { await s.app.close(); await store.close(); };
  });
  afterAll(async () => { await close(); });

  const json = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('takes an Open311 POST with a JSON body as the form it stands for; a body that is no object is a 400 in the spec\'s shape', async () => {
    const r = await json('/open311/v2/requests.json', { api_key: key, service_code: 'road_damage', lat, long: lon, attribute: { size: 'large', depth_cm: 12 }, description: '坑' });
    expect(r.status).toBe(201);
    const [{ service_request_id: id }] = await r.json();
    const c = (await getCase(store, 'haidian', id))!;
    expect([c.lon, c.lat, c.attributes, c.channel]).toEqual([lon, lat, { size: 'large', depth_cm: 12 }, 'open311']);

    const bad = await json('/open311/v2/requests.xml', [key]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/<errors><error><code>400<\/code><description>the body must be form fields/);
    // a required attribute missing from a JSON body is refused as from a form
    const missing = await json('/open311/v2/requests.json', { api_key: key, service_code: 'road_damage', lat, long: lon });
    expect(missing.status).toBe(400);
    expect((await missing.json())[0].description).toMatch(/attribute\[size\] is required/);
  });

  it('refuses a point outside the city on Open311 and on the staff API alike, saying so in Chinese and English', async () => {
    const o = await json('/open311/v2/requests.json', { api_key: key, service_code: 'garbage', lat: OUTSIDE.lat, long: OUTSIDE.lon });
    expect(o.status).toBe(400);
    expect((await o.json())[0].description).toMatch(/^位置 lat 31\.23, long 121\.47 不在本市范围内.* \/ lat 31\.23, long 121\.47 is outside the city/);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const staff = await json('/api/v1/operations/cases', { service_code: 'garbage', ...OUTSIDE }, auth);
    expect(staff.status).toBe(400);
    expect((await staff.json()).description).toMatch(/^位置 lat 31\.23, lon 121\.47 不在本市范围内.* \/ lat 31\.23, lon 121\.47 is outside the city/);
    expect((await listCases(store, 'haidian', { serviceCodes: ['garbage'], limit: 10 })).length).toBe(0);   // nothing written
    const inside = await json('/api/v1/operations/cases', { service_code: 'garbage', lon, lat }, auth);
    expect(inside.status).toBe(201);
  });

  it('imports a hotline ticket outside the city, warning of it by line and column', async () => {
    const f = join(tempDir('loc-'), 'hot.csv');
    writeFileSync(f, `工单编号,类别,诉求内容,经度,纬度\nL-1,暴露垃圾,垃圾,${lon},${lat}\nL-2,暴露垃圾,垃圾,${OUTSIDE.lon},${OUTSIDE.lat}\n`);
    const r = await importHotline(store, opsConfig(), 'haidian', f, { actor: 'hotline' });
    expect(r.added).toBe(2);
    expect(r.warnings.map((w) => [w.line, w.ticket_id, w.attribute, w.column])).toEqual([[3, 'L-2', null, '经度']]);
    expect(r.warnings[0].message).toMatch(/hot\.csv: line 3: 工单 L-2 已导入，但位置 纬度 31\.23, 经度 121\.47 不在本市范围内.* \/ ticket L-2 imported, but 纬度 31\.23, 经度 121\.47 is outside the city/);
  });

  it('assigns a grid\'s departments only from the catalogue, to a unit id', async () => {
    await generateGrids(store, 'haidian', { actor: 'test' });
    const [g] = await store.query<{ code: string }>(`SELECT code FROM grids_current WHERE city_id = 'haidian' AND level = 'unit' ORDER BY code LIMIT 1`);
    await expect(assignGrid(store, 'haidian', g.code, { actor: 'test', assign: { bogus: 'x' } })).rejects.toThrow(/"bogus" 不是案件分类目录中的部门.*\/ "bogus" is no department of the case catalogue \(departments: .*sanitation/);
    await expect(assignGrid(store, 'haidian', g.code, { actor: 'test', assign: { sanitation: 'bad unit!' } })).rejects.toThrow(/the unit "bad unit!" for sanitation must be/);
    const ok = await assignGrid(store, 'haidian', g.code, { actor: 'test', assign: { sanitation: 'sanitation-east' } });
    expect(ok.assign).toEqual({ sanitation: 'sanitation-east' });
  });

  it('says Open311\'s parameter errors in Chinese too', async () => {
    for (const [q, re] of [['status=bogus', /status 应为 open 或 closed/], ['page=0', /page 应为 1 至 1000000 的整数/], ['start_date=x', /start_date 应为 W3C 日期时间/]] as const) {
      const r = await fetch(`${base}/open311/v2/requests.xml?${q}`);
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(re);
    }
    const u = await fetch(`${base}/open311/v2/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z`);
    expect((await u.json())[0].description).toMatch(/start_date 与 end_date 须同时给出或都不给/);
  });
});
