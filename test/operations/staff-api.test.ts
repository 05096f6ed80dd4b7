import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/stores.js';
import { cityStore, CITY } from '../server/fixture.js';
import { buildServer } from '../../src/server/app.js';
import type { Store } from '../../src/store/driver.js';
import { opsConfig, report } from '../../src/domains/operations/store.js';

const T = (n: string) => `tok-${n}-0123456789abcdef`;
const PEOPLE = { sup: 'supervisor', disp: 'dispatcher', dept: 'department', grid: 'grid_worker', cit: 'citizen' };

describe.each(DRIVERS)('operations staff API ($name)', (driver) => {
  let store: Store, base: string, close: () => Promise<void>, lon = 0, lat = 0;
  beforeAll(async () => {
    store = await cityStore(await driver.fresh(), { access: false });
    const [b] = await store.query<{ x: number; y: number }>('SELECT ST_X(ST_Centroid(ST_Extent(bbox))) x, ST_Y(ST_Centroid(ST_Extent(bbox))) y FROM sources');
    lon = Number(b.x); lat = Number(b.y);
    const s = await buildServer(store, { tokens: Object.entries(PEOPLE).map(([n, role]) => ({ token: T(n), role: role as 'citizen', name: n })) });
    base = `${await s.app.listen({ port: 0, host: '127.0.0.1' })}/api/v1/operations`;
    close = async () => { await s.app.close(); await store.close(); };
  });
  afterAll(async () => { await close(); });
  const call = async (who: keyof typeof PEOPLE | null, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, { method: body ? 'POST' : 'GET', headers: { ...(who ? { authorization: `Bearer ${T(who)}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await r.text();
    return { status: r.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  };

  it('runs a case through the cycle with least privilege, 409 on a concurrent move, and counts it', async () => {
    expect((await call(null, '/cases')).status).toBe(401);
    expect((await call('cit', '/cases')).status).toBe(403);
    const created = await call('grid', '/cases', { service_code: 'garbage', lon, lat, description: '垃圾' });
    expect(created.status).toBe(201);
    const id = created.body.case.id;
    expect(created.body.case.channel).toBe('grid_worker');

    const panel = await call('sup', `/cases/${id}`);
    expect(panel.body.actions.map((a: { id: string }) => a.id)).toEqual(['accept', 'reject']);
    expect(panel.body.case.reporter).toEqual({});
    expect(panel.body.history.map((h: { actor: string; action: string }) => [h.actor, h.action])).toEqual([['grid', 'report']]);
    const citizen = await call('cit', `/cases/${id}`);
    expect(citizen.body.actions).toEqual([]);
    expect(citizen.body.case.reporter).toBeUndefined();

    expect((await call('disp', `/cases/${id}/actions`, { action: 'accept' })).status).toBe(403);
    expect((await call('sup', `/cases/${id}/actions`, { action: 'reject' })).status).toBe(400);   // a note is required
    const acc = await call('sup', `/cases/${id}/actions`, { action: 'accept', expected_version: 1 });
    expect([acc.status, acc.body.case.status, acc.body.case.version]).toEqual([200, 'accepted', 2]);
    // two dispatchers at once, both having seen version 2: one wins, the other gets 409
    const [a, b] = await Promise.all([
      call('disp', `/cases/${id}/actions`, { action: 'dispatch', expected_version: 2 }),
      call('disp', `/cases/${id}/actions`, { action: 'dispatch', department: 'street_office', expected_version: 2 })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const dept = await call('dept', `/cases/${id}`);
    expect(dept.body.actions.map((x: { id: string }) => x.id)).toEqual(['send_back', 'handle']);
    expect((await call('dept', `/cases/${id}/actions`, { action: 'handle', expected_version: 3 })).status).toBe(200);
    expect((await call('grid', `/cases/${id}/actions`, { action: 'verify' })).status).toBe(200);
    const closed = await call('sup', `/cases/${id}/actions`, { action: 'close', note: '已清理' });
    expect([closed.status, closed.body.case.status]).toEqual([200, 'closed']);
    const hist = (await call('sup', `/cases/${id}`)).body.history;
    expect(hist.map((h: { action: string; actor: string }) => `${h.action}:${h.actor}`)).toEqual(['report:grid', 'accept:sup', 'dispatch:disp', 'handle:dept', 'verify:grid', 'close:sup']);

    const stats = await call('sup', '/stats?by=class');
    const g = stats.body.rows.find((r: { key: string }) => r.key === 'garbage');
    expect([g.cases, g.closed, g.open, g.on_time.accept, g.on_time.close]).toEqual([1, 1, 0, 1, 1]);
    expect(g.weekly.reduce((s: number, w: { cases: number }) => s + w.cases, 0)).toBe(1);
    const csv = await call('sup', '/stats?by=department&format=csv');
    expect(csv.body.replace(/^\ufeff/, '').split('\n')[0]).toBe('department,cases,open,closed,overdue_now,duplicates,on_time_accept,on_time_dispatch,on_time_handle,on_time_verify,on_time_close,mean_hours_to_close');
    expect((await call('sup', '/stats?by=planet')).status).toBe(400);

    const map = await call(null, '/map');
    const f = map.body.features.find((x: { id: string }) => x.id === id);
    expect(f.properties).toEqual({ status: 'closed', service_code: 'garbage', department: expect.any(String), escalation: 0, overdue: false });
    // the same cases as an OGC API collection (public fields only)
    const ogc = await (await fetch(`${base.replace('/api/v1/operations', '')}/collections/cases/items?f=json&status=closed`)).json();
    expect(ogc.features.map((x: { id: string }) => String(x.id))).toEqual([id]);
    expect(ogc.features[0].properties.reporter).toBeUndefined();
    expect(ogc.features[0].properties.service_code).toBe('garbage');
    const list = await call('sup', '/cases?status=closed');
    expect(list.body.cases.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it("fills in a 12345 ticket's missing required attribute: checked by its class, a new version with actor and reason, 409 when stale", async () => {
    const c = await report(store, opsConfig(), { cityId: CITY, serviceCode: 'road_damage', lon, lat, channel: 'hotline', actor: 'hotline', externalId: 'H-ATTR-1' });
    expect([c.missing_attributes, c.attributes]).toEqual([['size'], { size: null }]);
    const path = `/cases/${c.id}/attributes`;
    expect((await call(null, path, { attributes: { size: 'large' } })).status).toBe(401);
    expect((await call('cit', path, { attributes: { size: 'large' } })).status).toBe(403);
    const wrong = await call('disp', path, { attributes: { size: 'huge' } });
    expect([wrong.status, wrong.body.description]).toEqual([400, expect.stringContaining('attributes.size: "huge" is not one of small, medium, large')]);
    const other = await call('disp', path, { attributes: { plate: '鄂A12345' } });
    expect([other.status, other.body.description]).toEqual([400, expect.stringContaining('service road_damage has no attribute plate (its attributes: size, depth_cm)')]);
    const ok = await call('disp', path, { attributes: { size: 'large', depth_cm: '12' }, reason: '现场测量 measured on site', expected_version: 1 });
    expect([ok.status, ok.body.case.version, ok.body.case.attributes, ok.body.case.missing_attributes]).toEqual([200, 2, { size: 'large', depth_cm: 12 }, []]);
    expect((await call('disp', path, { attributes: { size: 'small' }, expected_version: 1 })).status).toBe(409);
    // a correction keeps what it does not name
    const fix = await call('grid', path, { attributes: { size: 'medium' }, expected_version: 2 });
    expect(fix.body.case.attributes).toEqual({ size: 'medium', depth_cm: 12 });
    const hist = (await call('sup', `/cases/${c.id}`)).body.history as { action: string; actor: string; reason: string }[];
    expect(hist.map((h) => [h.action, h.actor, h.reason])).toEqual([['report', 'hotline', 'report via hotline'], ['attributes', 'disp', '现场测量 measured on site'], ['attributes', 'grid', 'attributes']]);
  });
});
