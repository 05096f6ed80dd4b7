import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type Server } from '../../src/server/app.js';
import type { Store } from '../../src/store/driver.js';
import { importRegisterFiles, writeRecord } from '../../src/domains/safety/store.js';
import { parseRegisterText } from '../../src/domains/safety/csv.js';
import { cityStore, CITY } from '../server/fixture.js';
import { DRIVERS } from '../helpers/stores.js';

const EDITOR = 'editor-token-0123456789', READER = 'reader-token-0123456789', ADMIN = 'admin-token-01234567890';
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe.each(DRIVERS)('safety API ($name)', (driver) => {
  let store: Store;
  let s: Server;
  let ids: string[];
  beforeAll(async () => {
    const db = await driver.fresh();
    store = await cityStore(db, { access: false });
    ids = (await store.query<{ id: string }>(`SELECT id FROM buildings_current WHERE city_id = $1 ORDER BY id LIMIT 3`, [CITY])).map((r) => r.id);
    const profiles = parseRegisterText('profiles.csv', [
      'building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund',
      `${ids[0]},1980,50,prefab_slab,6,18,residential,24,0,8,0,,1,1`, `${ids[1]},1995,,frame,30,95,residential,180,1,8,0,,,`, `${ids[2]},2015,,shear_wall,10,,office,,,7,,,,`].join('\n'));
    const insp = parseRegisterText('inspections.csv', [
      'inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by',
      `A1,${ids[0]},2024-03-01,鉴定中心,张三,现场,C,structure;gas,use,2024-12-31,,`].join('\n'));
    await importRegisterFiles(store, CITY, [profiles, insp], { actor: 'test-import' });
    s = await buildServer(store, { tokens: [{ token: EDITOR, role: 'inspector', name: 'token:editor' }, { token: READER, role: 'read' }, { token: ADMIN, role: 'admin', name: 'token:admin' }] });
  }, 240_000);
  afterAll(async () => { await s?.app.close(); await store?.close(); });

  it('serves due dates, risk and flags of the register', async () => {
    const due = (await s.app.inject({ url: `/api/v1/safety/due?as_of=2026-06-01&rules=nantong` })).json();
    expect(due.total).toBe(3);
    // most overdue first: never inspected housing of 1995 is due since its 25th year
    expect(due.due).toEqual([
      { building_id: ids[1], rule: 'nantong.housing_25y', last_inspection: null, next_due: '2020-01-01', overdue_days: 2343 },
      { building_id: ids[0], rule: 'follow_up_deadline', last_inspection: '2024-03-01', next_due: '2024-12-31', overdue_days: 517 },
      { building_id: ids[2], rule: null, last_inspection: null, next_due: null, overdue_days: 0 },
    ]);
    const risk = (await s.app.inject({ url: `/api/v1/safety/risk?as_of=2026-06-01&top=2` })).json();
    expect(risk.risk.map((r: { building_id: string }) => r.building_id)).toEqual([ids[0], ids[1]]);
    expect(risk.risk[0].factors).toHaveLength(8);
    const w = (await s.app.inject({ url: `/api/v1/safety/risk?as_of=2026-06-01&top=1&w_last_grade=0` })).json();
    expect(w.weights.last_grade).toBe(0);
    expect(w.risk[0].score).toBeCloseTo(risk.risk[0].score - 14, 2);
    const flags = (await s.app.inject({ url: `/api/v1/safety/flags?as_of=2026-06-01` })).json();
    expect(flags.flags.map((f: { building_id: string; rule: string }) => `${f.building_id}:${f.rule}`).sort()).toEqual([
      `${ids[0]}:cd_still_in_use`, `${ids[0]}:prefab_multi_household`, `${ids[0]}:remediation_overdue`, `${ids[1]}:group_rental`].sort());
    expect([flags.total, flags.information]).toEqual([4, 1]);
    // the 1995 housing of 95 m: information (the fire-service consultation governs new buildings), listed when asked for
    const info = (await s.app.inject({ url: `/api/v1/safety/flags?as_of=2026-06-01&information=true` })).json();
    expect(info.flags.filter((f: { kind: string }) => f.kind === 'information').map((f: { building_id: string; rule: string }) => `${f.building_id}:${f.rule}`)).toEqual([`${ids[1]}:fire_consult_existing`]);
    // the recorded overdue list: none before the daily job ran, then the run's rows, same as computed
    expect((await s.app.inject({ url: '/api/v1/safety/overdue' })).statusCode).toBe(404);
    const { runNow } = await import('../../src/jobs/in-process.js');
    expect((await runNow(store, 'safety.due', { asOf: '2026-06-01', cityId: CITY }, 'test')).status).toBe('succeeded');
    const od = (await s.app.inject({ url: '/api/v1/safety/overdue' })).json();
    expect(od).toMatchObject({ city: CITY, run: { as_of: '2026-06-01', rules: 'nantong', actor: 'test' }, buildings: 3, total: 2 });
    expect(od.overdue).toEqual(due.due.slice(0, 2));
    const one = (await s.app.inject({ url: `/api/v1/safety/profiles/${ids[0]}?as_of=2026-06-01` })).json();
    expect(one.inspections.map((i: { id: string }) => i.id)).toEqual(['A1']);
    expect(one.profile.structure).toBe('prefab_slab');
  });

  it('the health check run on the store counts the register (housing indicators from the register, explain naming its change set)', async () => {
    const { loadCatalogue } = await import('../../src/analysis/indicators/catalogue.js');
    const { checkDataFromStore } = await import('../../src/analysis/indicators/store.js');
    const { runCheck } = await import('../../src/analysis/indicators/run.js');
    const cat = loadCatalogue('2025');
    const data = await checkDataFromStore(store, CITY, cat.parameters, { workers: 1 });
    expect(data.safety).toMatchObject({ profiles: 3, inspections: 1 });
    const r = await runCheck(data, { city: CITY, access: { workers: 1 } });
    const at = (id: string) => r.results.find((x) => x.id === id && x.area_id === r.units.areas[r.units.level.city[0]].id)!;
    // ids[0]: residential, latest inspection C with structure and gas open; ids[1]: residential, never inspected
    expect(at('housing_structural_hazard')).toMatchObject({ value: 1, source: 'computed' });
    expect(at('housing_gas_hazard')).toMatchObject({ value: 1, source: 'computed' });
    expect(at('housing_stairwell_hazard')).toMatchObject({ value: 0, source: 'computed' });
    expect(at('housing_gas_hazard').explain).toMatch(new RegExp(`change set #${data.safety!.changeset} of \\d{4}-\\d{2}-\\d{2}T`));
  }, 240_000);

  it('refuses anonymous writes and wrong roles; records actor and reason; keeps every version; 409 on a stale version', async () => {
    const body = { building_id: ids[2], date: '2026-05-20', grade: 'B', hazards: ['envelope'], inspection_id: 'API-1', reason: '年度体检 annual checkup' };
    const anon = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: body });
    expect(anon.statusCode).toBe(401);
    const reader = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: body, headers: auth(READER) });
    expect(reader.statusCode).toBe(403);
    const bogus = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: body, headers: auth('not-a-known-token-at-all') });
    expect(bogus.statusCode).toBe(401);
    const noReason = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: { ...body, reason: undefined }, headers: auth(EDITOR) });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().description).toMatch(/^reason: /);
    const badGrade = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: { ...body, grade: 'E' }, headers: auth(EDITOR) });
    expect(badGrade.statusCode).toBe(400);
    expect(badGrade.json().field).toBe('grade');
    // a date of something done cannot be in the future (a deadline can)
    const future = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: { ...body, date: '2030-01-01' }, headers: auth(EDITOR) });
    expect([future.statusCode, future.json().field]).toEqual([400, 'date']);
    expect(future.json().description).toMatch(/^date: 2030-01-01 晚于今天（\d{4}-\d{2}-\d{2}）.* cannot be in the future$/);
    const futureFix = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: { ...body, remediated_on: '2031-01-01' }, headers: auth(EDITOR) });
    expect([futureFix.statusCode, futureFix.json().field]).toEqual([400, 'remediated_on']);
    const created = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: body, headers: auth(EDITOR) });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ inspection_id: 'API-1', version: 1, changed: true });
    const again = await s.app.inject({ method: 'POST', url: '/api/v1/safety/inspections', payload: body, headers: auth(EDITOR) });
    expect(again.statusCode).toBe(409);
    const { inspection_id: _i, ...upd } = body;
    void _i;
    const v2 = await s.app.inject({ method: 'PUT', url: '/api/v1/safety/inspections/API-1', payload: { ...upd, grade: 'C', measure: 'observe', deadline: '2026-12-01', reason: '复核 re-examined', expected_version: 1 }, headers: auth(ADMIN) });
    expect(v2.json()).toMatchObject({ version: 2, changed: true });
    const stale = await s.app.inject({ method: 'PUT', url: '/api/v1/safety/inspections/API-1', payload: { ...upd, grade: 'D', reason: 'x', expected_version: 1 }, headers: auth(EDITOR) });
    expect(stale.statusCode).toBe(409);
    // inspection records are staff-only (they name the inspectors): 401 for the public, the history for staff
    expect((await s.app.inject({ url: '/api/v1/safety/history/inspections/API-1' })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/api/v1/safety/inspections' })).statusCode).toBe(401);
    const pub = (await s.app.inject({ url: `/api/v1/safety/profiles/${ids[2]}` })).json();
    expect([pub.inspections.length > 0, pub.inspections.some((i: Record<string, unknown>) => 'inspector' in i || 'photos' in i), pub.withheld_fields]).toEqual([true, false, ['inspector', 'verified_by', 'photos']]);
    const h = (await s.app.inject({ url: '/api/v1/safety/history/inspections/API-1', headers: auth(READER) })).json();
    expect(h.versions.map((v: { version: number; actor: string; reason: string; content: { grade: string } }) => [v.version, v.actor, v.reason, v.content.grade])).toEqual([
      [1, 'token:editor', '年度体检 annual checkup', 'B'], [2, 'token:admin', '复核 re-examined', 'C']]);
    expect(h.versions[1].changed_fields.sort()).toEqual(['deadline', 'grade', 'measure']);
    // the due list sees the new open C at once
    const due = (await s.app.inject({ url: `/api/v1/safety/due?as_of=2026-06-01` })).json();
    expect(due.due.find((d: { building_id: string }) => d.building_id === ids[2])).toEqual({ building_id: ids[2], rule: 'follow_up_deadline', last_inspection: '2026-05-20', next_due: '2026-12-01', overdue_days: 0 });
    // photos: stored once by content hash, then named by an inspection
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
    const up = await s.app.inject({ method: 'POST', url: '/api/v1/safety/photos', payload: png, headers: { ...auth(EDITOR), 'content-type': 'image/png' } });
    expect(up.statusCode).toBe(201);
    const sha = up.json().sha256;
    expect(sha).toBe((await import('node:crypto')).createHash('sha256').update(png).digest('hex'));
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/safety/photos', payload: png, headers: { ...auth(EDITOR), 'content-type': 'image/png' } })).json().stored).toBe(false);
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/safety/photos', payload: png, headers: { 'content-type': 'image/png' } })).statusCode).toBe(401);
    // a photo is read as its inspection is: staff only (its hash is in every export), kept in private caches only
    const anonPhoto = await s.app.inject({ url: `/api/v1/safety/photos/${sha}` });
    expect([anonPhoto.statusCode, anonPhoto.headers['content-type']?.startsWith('image/')]).toEqual([401, false]);
    const got = await s.app.inject({ url: `/api/v1/safety/photos/${sha}`, headers: auth(READER) });
    expect([got.statusCode, got.headers['content-type'], got.headers['cache-control']]).toEqual([200, 'image/png', 'private, max-age=31536000, immutable']);
    expect(Buffer.compare(got.rawPayload, png)).toBe(0);
    const v3 = await s.app.inject({ method: 'PUT', url: '/api/v1/safety/inspections/API-1', payload: { ...upd, grade: 'C', measure: 'observe', deadline: '2026-12-01', photos: [sha], reason: '附照片 photo attached', expected_version: 2 }, headers: auth(EDITOR) });
    expect(v3.json()).toMatchObject({ version: 3, changed: true });
    // the building's public view leaves the photo out; its staff view names it
    const photosOf = (r: { inspections: { id: string; photos?: string[] }[] }) => r.inspections.find((i) => i.id === 'API-1')?.photos;
    expect(photosOf((await s.app.inject({ url: `/api/v1/safety/profiles/${ids[2]}` })).json())).toBeUndefined();
    expect(photosOf((await s.app.inject({ url: `/api/v1/safety/profiles/${ids[2]}`, headers: auth(READER) })).json())).toEqual([sha]);
    // profiles: a partial update makes a version; history of building_safety
    const p = await s.app.inject({ method: 'PUT', url: `/api/v1/safety/profiles/${ids[2]}`, payload: { year_built: 2015, use: 'office', structure: 'shear_wall', storeys: 10, seismic_intensity: 7, isolation: true, reason: '补录隔震 isolation recorded' }, headers: auth(EDITOR) });
    expect(p.statusCode).toBe(200);
    const ph = (await s.app.inject({ url: `/api/v1/safety/history/building_safety/${ids[2]}` })).json();
    expect(ph.versions.map((v: { actor: string; changed_fields: string[] }) => [v.actor, v.changed_fields])).toEqual([['test-import', []], ['token:editor', ['isolation']]]);
  });

  it('the building_safety collection shows the latest inspection made by today (a future-dated one, stored before such dates were refused, is not yet made)', async () => {
    const item = async () => (await s.app.inject({ url: `/collections/building_safety/items/${ids[0]}` })).json().properties;
    expect(await item()).toMatchObject({ last_inspection: '2024-03-01', safety_grade: 'C', safety_open_cd: true });
    // as an older store holds it: written past the import's date check
    await writeRecord(store, CITY, 'inspection', { inspection_id: 'FUTURE-1', building_id: ids[0], date: '2099-01-01', organisation: null, inspector: null, method: null, grade: 'A', hazards: [],
      measure: null, deadline: null, remediated_on: null, verified_by: null, photos: [] }, { actor: 'test-old-store', reason: 'written before dates were checked' });
    await writeRecord(store, CITY, 'inspection', { inspection_id: 'A1', building_id: ids[0], date: '2024-03-01', organisation: '鉴定中心', inspector: '张三', method: '现场', grade: 'C', hazards: ['structure', 'gas'],
      measure: 'use', deadline: '2024-12-31', remediated_on: '2099-02-01', verified_by: null, photos: [] }, { actor: 'test-old-store', reason: 'written before dates were checked' });
    expect(await item()).toMatchObject({ last_inspection: '2024-03-01', safety_grade: 'C', safety_open_cd: true });
  });
});
