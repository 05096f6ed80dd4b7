/**
 * The catalogue's read policy (CollectionSpec.read, staffOnly), applied by every reader of a
 * collection: the OGC items, queryables and collection list, and the archive's history API.
 * Inspections (staff only) and a case reported through Open311 with the reporter's e-mail and phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type Server } from '../../src/server/app.js';
import type { Store } from '../../src/store/driver.js';
import { importRegisterFiles } from '../../src/domains/safety/store.js';
import { parseRegisterText } from '../../src/domains/safety/csv.js';
import { cityStore, CITY } from '../server/fixture.js';
import { DRIVERS } from '../helpers/stores.js';
import { COLLECTIONS, jsonSchemaOf } from '../../src/catalog/collections.js';

const KEY = 'open311-key-read-policy-0123';
const TOKENS = { staff: 'viewer-token-0123456789ab', citizen: 'citizen-token-0123456789', sup: 'supervisor-token-01234567' };
const auth = (t?: string) => (t ? { authorization: `Bearer ${t}` } : {});

describe('read policy of the collection catalogue', () => {
  let store: Store, s: Server, building: string, caseId: string;
  beforeAll(async () => {
    store = await cityStore(await DRIVERS[0].fresh(), { access: false });
    [{ id: building }] = await store.query<{ id: string }>('SELECT id FROM buildings_current WHERE city_id = $1 ORDER BY id LIMIT 1', [CITY]);
    await importRegisterFiles(store, CITY, [
      parseRegisterText('profiles.csv', ['building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund', `${building},1985,50,brick_concrete,6,18,residential,30,0,7,0,,,`].join('\n')),
      parseRegisterText('inspections.csv', ['inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by', `P1,${building},2024-05-01,鉴定中心,王五,现场查勘,B,,,,,`].join('\n')),
    ], { actor: 'test' });
    process.env.OPENCIM_OPEN311_KEYS = KEY;
    s = await buildServer(store, { tokens: [{ token: TOKENS.staff, role: 'viewer', name: 'staff' }, { token: TOKENS.citizen, role: 'citizen', name: 'cit' }, { token: TOKENS.sup, role: 'supervisor', name: 'sup' }] });
    delete process.env.OPENCIM_OPEN311_KEYS;
    const [b] = await store.query<{ x: number; y: number }>('SELECT ST_X(ST_Centroid(ST_Extent(bbox))) x, ST_Y(ST_Centroid(ST_Extent(bbox))) y FROM sources');
    const r = await s.app.inject({
      method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ api_key: KEY, service_code: 'garbage', lat: String(b.y), long: String(b.x), description: '垃圾堆放', email: 'li.ming@example.cn', phone: '13800000000' }).toString(),
    });
    expect(r.statusCode, r.body).toBe(201);
    caseId = r.json()[0].service_request_id;
  }, 240_000);
  afterAll(async () => { await s?.app.close(); await store?.close(); });

  it('a staff-only collection: hidden from the list, 401 anonymous, 403 for a citizen, served to staff', async () => {
    const list = async (t?: string) => (await s.app.inject({ url: '/collections?f=json', headers: auth(t) })).json().collections.map((c: { id: string }) => c.id);
    expect(await list()).not.toContain('inspections');
    expect(await list(TOKENS.citizen)).not.toContain('inspections');
    expect(await list(TOKENS.staff)).toContain('inspections');
    expect(await list()).toContain('building_safety');

    for (const path of ['/collections/inspections/items?f=json', '/collections/inspections/queryables', '/collections/inspections', '/api/v1/history/inspections/P1']) {
      const anon = await s.app.inject({ url: path });
      expect([path, anon.statusCode]).toEqual([path, 401]);
      expect(anon.headers['www-authenticate']).toMatch(/Bearer/);
      expect((await s.app.inject({ url: path, headers: auth(TOKENS.citizen) })).statusCode).toBe(403);
      const ok = await s.app.inject({ url: path, headers: auth(TOKENS.staff) });
      expect([path, ok.statusCode]).toEqual([path, 200]);
      expect(ok.headers['cache-control']).toMatch(/private/);
    }
    const items = (await s.app.inject({ url: '/collections/inspections/items?f=json', headers: auth(TOKENS.staff) })).json();
    expect(items.features.map((f: { properties: { inspector: string } }) => f.properties.inspector)).toEqual(['王五']);
  });

  it("the history of a case shows the reporter's contact details to staff only", async () => {
    const anon = await s.app.inject({ url: `/api/v1/history/cases/${caseId}` });
    expect(anon.statusCode).toBe(200);
    expect(anon.body).not.toContain('li.ming@example.cn');
    expect(anon.body).not.toContain('13800000000');
    expect(anon.json().withheld_fields).toEqual(['reporter', 'token']);
    expect(anon.json().versions[0].content.description).toBe('垃圾堆放');
    for (const t of [TOKENS.citizen]) expect((await s.app.inject({ url: `/api/v1/history/cases/${caseId}`, headers: auth(t) })).body).not.toContain('li.ming@example.cn');
    const staff = (await s.app.inject({ url: `/api/v1/history/cases/${caseId}`, headers: auth(TOKENS.sup) })).json();
    expect(staff.versions[0].content.reporter).toMatchObject({ email: 'li.ming@example.cn', phone: '13800000000' });
    expect(staff.withheld_fields).toBeUndefined();
  });

  it('queryables carry the Chinese label and the unit of a property', async () => {
    const q = (await s.app.inject({ url: '/collections/buildings/queryables' })).json();
    expect(q.properties.height).toMatchObject({ type: 'number', title: '高度', 'x-ogc-unit': 'm' });
    expect(q.properties.area_m2).toMatchObject({ title: '占地面积', 'x-ogc-unit': 'm²' });
    // every property of every collection has its Chinese label
    const unlabelled = COLLECTIONS.flatMap((c) => c.properties.filter((p) => !jsonSchemaOf(p).title).map((p) => `${c.id}.${p.name}`));
    expect(unlabelled).toEqual([]);
  });
});
