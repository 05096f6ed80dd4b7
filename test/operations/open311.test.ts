import http from 'node:http';
/**
 * Open311 GeoReport v2 over real HTTP, against a store holding a real OSM extract (Haidian, Beijing).
 * The XML is read the way FixMyStreet's XML::Simple reading does (perllib/Open311.pm: ForceArray on
 * the group tags service, attribute, value, request, error, request_update).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { DRIVERS } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';
import { buildServer } from '../../src/server/app.js';
import type { Store } from '../../src/store/driver.js';
import { addKey } from '../../src/domains/operations/keys.js';

const FORCE = new Set(['service', 'attribute', 'value', 'request', 'error', 'request_update', 'group']);
const parser = new XMLParser({ isArray: (name) => FORCE.has(name), parseTagValue: false, trimValues: false });
type X = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const xml = (s: string): X => parser.parse(s);

const ENV_KEY = 'env-key-for-scripts-0123456789';
const IN_CITY = { lat: '40.0035', long: '116.3560' };   // inside the extract

describe.each(DRIVERS)('Open311 GeoReport v2 ($name)', (driver) => {
  let store: Store, base: string, close: () => Promise<void>, dbKey: string;
  beforeAll(async () => {
    const db = await driver.fresh();
    store = await cityStore(db, { access: false });
    const [b] = await store.query<{ w: number; s: number; e: number; n: number }>('SELECT ST_XMin(e) w, ST_YMin(e) s, ST_XMax(e) e, ST_YMax(e) n FROM (SELECT ST_Extent(bbox) e FROM sources) x');
    IN_CITY.lat = String(((Number(b.s) + Number(b.n)) / 2).toFixed(6)); IN_CITY.long = String(((Number(b.w) + Number(b.e)) / 2).toFixed(6));
    dbKey = await addKey(store, 'fixmystreet', 'test');
    process.env.OPENCIM_OPEN311_KEYS = ENV_KEY;
    process.env.OPENCIM_OPEN311_RATE = 'key:40,ip:1000';
    const s = await buildServer(store, { tokens: [] });
    delete process.env.OPENCIM_OPEN311_KEYS; delete process.env.OPENCIM_OPEN311_RATE;
    const addr = await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `${addr}/open311/v2`;
    close = async () => { await s.app.close(); await store.close(); };
  });
  afterAll(async () => { await close(); });

  const post = (path: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return fetch(`${base}/${path}`, { method: 'POST', body });
  };

  it('discovery, services and service definitions in XML and JSON', async () => {
    const d = await fetch(`${base}/discovery.xml`);
    expect(d.headers.get('content-type')).toMatch(/^text\/xml/);
    const dx = xml(await d.text());
    expect(dx.discovery.endpoints.endpoint.specification).toBe('http://wiki.open311.org/GeoReport_v2');
    expect(dx.discovery.endpoints.endpoint.formats.format).toEqual(['text/xml', 'application/json']);
    const dj = await (await fetch(`${base}/discovery.json`)).json();
    expect(dj.endpoints[0].url).toBe(base);
    // links come from the server's own address (or its configured public base URL), never from the client's Host header
    // (node:http: fetch does not send a Host header of its own choosing)
    const spoofed = await new Promise<{ endpoints: { url: string }[] }>((res, rej) => {
      const u = new URL(`${base}/discovery.json`);
      http.get({ host: u.hostname, port: u.port, path: u.pathname, headers: { host: 'evil.example' } }, (r) => {
        let t = ''; r.setEncoding('utf8'); r.on('data', (d) => (t += d)); r.on('end', () => res(JSON.parse(t)));
      }).on('error', rej);
    });
    expect(spoofed.endpoints[0].url).toBe(base);
    // changeset: a sortable datetime (GeoReport v2), when the services last changed, not a version name
    for (const c of [dx.discovery.changeset, dj.changeset, dj.endpoints[0].changeset]) expect(c).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

    const sx = xml(await (await fetch(`${base}/services.xml`)).text());
    const road = sx.services.service.find((s: X) => s.service_code === 'road_damage');
    expect([road.metadata, road.type, road.group, road.keywords]).toEqual(['true', 'realtime', ['roads'], 'pothole,road,路面']);   // group is in FixMyStreet's ForceArray
    const sj = await (await fetch(`${base}/services.json`)).json();
    expect(Array.isArray(sj)).toBe(true);
    expect(sj.length).toBe(sx.services.service.length);

    const def = xml(await (await fetch(`${base}/services/road_damage.xml`)).text());
    const attrs = def.service_definition.attributes.attribute;
    expect(attrs.map((a: X) => [a.code, a.datatype, a.required, a.order])).toEqual([['size', 'singlevaluelist', 'true', '1'], ['depth_cm', 'number', 'false', '2']]);
    expect(attrs[0].values.value.map((v: X) => v.key)).toEqual(['small', 'medium', 'large']);
    const nf = await fetch(`${base}/services/no_such.xml`);
    expect(nf.status).toBe(404);
    expect(xml(await nf.text()).errors.error[0].code).toBe('404');
  });

  it('takes a form-encoded request, answers with an id and a token, and shows it without personal data', async () => {
    const evil = 'Pothole ]]></description><email>x</email> & "quotes" \u0007 路面坑洞';
    const r = await post('requests.xml', { api_key: dbKey, service_code: 'road_damage', ...IN_CITY, description: evil,
      'attribute[size]': 'medium', 'attribute[depth_cm]': '8', 'attribute[uprn]': '42', email: 'citizen@example.cn', phone: '13800000000', first_name: 'Li', last_name: 'Ming', media_url: ['https://img.example.cn/a.jpg', 'http://img.example.cn/b.jpg'] });
    expect(r.status).toBe(201);
    const rx = xml(await r.text());
    const id = rx.service_requests.request[0].service_request_id;
    const token = rx.service_requests.request[0].token;
    expect(id).toMatch(/^\d+$/);

    const tk = xml(await (await fetch(`${base}/tokens/${token}.xml`)).text());
    expect(tk.service_requests.request[0].service_request_id).toBe(id);

    const one = await fetch(`${base}/requests/${id}.xml`);
    const text = await one.text();
    const req = xml(text).service_requests.request[0];
    expect(req.description).toBe(evil.replace('\u0007', '').trim());
    expect([req.status, req.service_code, req.media_url, Number(req.lat), Number(req.long)]).toEqual(['open', 'road_damage', 'https://img.example.cn/a.jpg', Number(IN_CITY.lat), Number(IN_CITY.long)]);
    expect(req.agency_responsible).toMatch(/市政道路管理处/);
    expect(req.expected_datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(Date.parse(req.expected_datetime)).toBeGreaterThan(Date.parse(req.requested_datetime));
    for (const secret of ['citizen@example.cn', '13800000000', 'Ming']) expect(text).not.toContain(secret);
    const js = await (await fetch(`${base}/requests/${id}.json`)).json();
    expect(js[0].service_request_id).toBe(id);
    expect(JSON.stringify(js)).not.toContain('citizen@example.cn');
    const stored = await store.query<{ reporter: unknown }>('SELECT reporter FROM cases_current WHERE id = $1', [id]);
    expect(JSON.stringify(stored[0].reporter)).toContain('citizen@example.cn');   // kept for staff
  });

  it('refuses bad input with the spec\'s errors: 403 key, 400 fields, 404 jurisdiction', async () => {
    const ok = { api_key: ENV_KEY, service_code: 'garbage', ...IN_CITY };
    const cases: [Record<string, string | string[]>, number, RegExp][] = [
      [{ ...ok, api_key: 'wrong' }, 403, /api_key/],
      [{ service_code: 'garbage', ...IN_CITY }, 403, /api_key/],
      [{ ...ok, service_code: 'nope' }, 400, /unknown service_code/],
      [{ api_key: ENV_KEY, service_code: 'garbage' }, 400, /location is required/],
      [{ ...ok, lat: '31.2', long: '121.5' }, 400, /outside the city/],
      [{ ...ok, lat: 'abc' }, 400, /lat and long/],
      [{ ...ok, description: 'x'.repeat(4001) }, 400, /longer than 4000/],
      [{ ...ok, media_url: 'javascript:alert(1)' }, 400, /http or https/],
      [{ ...ok, service_code: 'road_damage', 'attribute[size]': 'huge' }, 400, /not one of/],
      [{ ...ok, service_code: 'road_damage' }, 400, /attribute\[size\] is required/],
      [{ ...ok, jurisdiction_id: 'atlantis' }, 404, /jurisdiction/],
    ];
    for (const [f, status, msg] of cases) {
      const r = await post('requests.xml', f);
      const e = xml(await r.text()).errors.error[0];
      expect([r.status, e.code], JSON.stringify(f).slice(0, 80)).toEqual([status, String(status)]);
      expect(e.description).toMatch(msg);
    }
    const j = await post('requests.json', { ...ok, api_key: 'bad' });
    expect(await j.json()).toEqual([{ code: 403, description: expect.stringMatching(/api_key/) }]);
    expect(await store.query('SELECT 1 FROM cases_current WHERE service_code = $1', ['nope'])).toEqual([]);
  });

  it('lists requests with the spec filters and pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await post('requests.json', { api_key: ENV_KEY, service_code: i % 2 ? 'street_light' : 'illegal_construction', lat: String(Number(IN_CITY.lat) + i * 0.002), long: IN_CITY.long });
      ids.push((await r.json())[0].service_request_id);
    }
    const lights = xml(await (await fetch(`${base}/requests.xml?service_code=street_light`)).text()).service_requests.request;
    expect(lights.map((r: X) => r.service_request_id).sort()).toEqual([ids[1], ids[3]].sort());
    const two = xml(await (await fetch(`${base}/requests.xml?service_request_id=${ids[0]},${ids[2]}&service_code=street_light`)).text()).service_requests.request;
    expect(two.map((r: X) => r.service_request_id).sort()).toEqual([ids[0], ids[2]].sort());   // ids override the other filters
    const p1 = await (await fetch(`${base}/requests.json?service_code=street_light,illegal_construction&page_size=3&page=1`)).json();
    const p2 = await (await fetch(`${base}/requests.json?service_code=street_light,illegal_construction&page_size=3&page=2`)).json();
    expect(p1.length).toBe(3);
    expect(new Set([...p1, ...p2].map((r: X) => r.service_request_id)).size).toBe(p1.length + p2.length);
    expect([...p1, ...p2].map((r: X) => r.service_request_id)).toEqual(expect.arrayContaining(ids));
    const closed = await (await fetch(`${base}/requests.json?status=closed`)).json();
    expect(closed).toEqual([]);
    const old = await (await fetch(`${base}/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z`)).json();
    expect(old).toEqual([]);
    const wide = await fetch(`${base}/requests.xml?start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z`);
    expect(wide.status).toBe(400);
    expect(xml(await wide.text()).errors.error[0].description).toMatch(/90 days/);
    expect((await fetch(`${base}/requests/123456789.xml`)).status).toBe(404);
    expect((await fetch(`${base}/requests.yaml`)).status).toBe(404);
  });

  it('takes multipart posts with photos and serves them', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const form = new FormData();
    form.append('api_key', ENV_KEY); form.append('service_code', 'garbage');
    form.append('lat', IN_CITY.lat); form.append('long', IN_CITY.long); form.append('description', '多图上传');
    form.append('photo1', new Blob([png], { type: 'image/png' }), 'a.png');
    const r = await fetch(`${base}/requests.xml`, { method: 'POST', body: form });
    expect(r.status).toBe(201);
    const id = xml(await r.text()).service_requests.request[0].service_request_id;
    const req = xml(await (await fetch(`${base}/requests/${id}.xml`)).text()).service_requests.request[0];
    expect(req.media_url).toMatch(/\/open311\/v2\/media\/[0-9a-f]{64}$/);
    const m = await fetch(req.media_url);
    expect(m.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await m.arrayBuffer()).equals(png)).toBe(true);
    const bad = new FormData();
    bad.append('api_key', ENV_KEY); bad.append('service_code', 'garbage'); bad.append('lat', IN_CITY.lat); bad.append('long', IN_CITY.long);
    bad.append('photo1', new Blob(['<svg/>'], { type: 'image/svg+xml' }), 'a.svg');
    const rb = await fetch(`${base}/requests.xml`, { method: 'POST', body: bad });
    expect(rb.status).toBe(400);
  });

  it('syncs updates both ways (FixMyStreet servicerequestupdates)', async () => {
    const r = await post('requests.xml', { api_key: ENV_KEY, service_code: 'building_hazard', ...IN_CITY, description: 'updates' });
    const id = xml(await r.text()).service_requests.request[0].service_request_id;
    const start = new Date(Date.now() - 60_000).toISOString();
    const u = await post('servicerequestupdates.xml', { api_key: ENV_KEY, service_request_id: id, update_id: '77', status: 'OPEN', description: '还没清理 <script>', updated_datetime: new Date().toISOString(), email: 'c@example.cn', media_url: 'https://img.example.cn/u.jpg' });
    expect(u.status).toBe(201);
    const uid = xml(await u.text()).service_request_updates.request_update[0].update_id;
    expect(uid).toBe(`${id}-2`);
    const end = new Date(Date.now() + 60_000).toISOString();
    const g = await (await fetch(`${base}/servicerequestupdates.xml?start_date=${encodeURIComponent(start)}&end_date=${encodeURIComponent(end)}`)).text();
    const ups = xml(g).service_request_updates.request_update.filter((x: X) => x.service_request_id === id);
    expect(ups.map((x: X) => [x.update_id, x.status, x.external_status_code, x.media_url])).toEqual([[uid, 'FOR_TRIAGE', 'reported', 'https://img.example.cn/u.jpg']]);
    expect(ups[0].description).toContain('还没清理 <script>');
    expect(g).not.toContain('c@example.cn');
    expect((await fetch(`${base}/servicerequestupdates.xml?start_date=${encodeURIComponent(start)}`)).status).toBe(400);
    expect((await post('servicerequestupdates.xml', { api_key: ENV_KEY, service_request_id: '99999999', description: 'x' })).status).toBe(404);
  });

  it('limits POSTs per key', async () => {
    let limited = 0;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await post('requests.json', { api_key: ENV_KEY, service_code: 'nope', ...IN_CITY });
      if (r.status === 429) limited = i + 1;
    }
    expect(limited).toBeGreaterThan(0);   // key:40 per minute; earlier tests used some of the budget
  });
});
