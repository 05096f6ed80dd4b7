/**
 * Open311 GeoReport v2 at /open311/v2/ (open311.github.io/GeoReport/v2), XML and JSON:
 *   discovery · services · services/{code} · POST requests (form-encoded or multipart, api_key) ·
 *   tokens/{token} · GET requests (service_request_id | service_code, start_date, end_date, status;
 *   page/page_size) · requests/{id} · servicerequestupdates GET + POST (FixMyStreet's extension) ·
 *   media/{id} (photos uploaded with a request).
 * `jurisdiction_id` names the city (default: the only one). Errors in the spec's shape
 * (`<errors><error><code/><description/></error></errors>` or a JSON array): 400, 403, 404 (and 429).
 * Public answers never carry the reporter's e-mail, phone or names.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/driver.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { AttributeError, type CaseClass } from '../../domains/operations/catalogue.js';
import { open311Status, STATUS_LABELS, type Status } from '../../domains/operations/cycle.js';
import { KeyRing } from '../../domains/operations/keys.js';
import { annotate, type CaseRow, getCase, listCases, type OpsConfig, OpsError, opsConfig, report, type Reporter } from '../../domains/operations/store.js';
import { intakeOf } from '../../domains/operations/intake.js';
import { cityExtent, outsideCity, outsideMessage } from '../../domains/operations/extent.js';
import { xmlDocument } from './xml.js';
import { baseUrl } from '../ogc/routes.js';

type Fmt = 'xml' | 'json';
export interface Open311Options {
  ops?: OpsConfig;
  /** POSTs per minute per api key and per client address (default 1200 and 600; env OPENCIM_OPEN311_RATE="key:N,ip:N") */
  rate?: { key: number; ip: number };
  contact?: string;
  keys?: string;
}

class Open311Error extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}
const bad = (m: string) => new Open311Error(400, m);

const MAX_DESCRIPTION = 4000;
const MAX_MEDIA = 5, MAX_PHOTO = 5 * 1024 * 1024;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const DAY = 86_400_000;

function split(file: string): { name: string; fmt: Fmt } {
  const i = file.lastIndexOf('.');
  const fmt = file.slice(i + 1);
  if (i <= 0 || (fmt !== 'xml' && fmt !== 'json')) throw new Open311Error(404, `no resource ${file.slice(0, 100)}: add .xml or .json / 没有该资源: 请加 .xml 或 .json`);
  return { name: file.slice(0, i), fmt };
}

function rateFromEnv(env = process.env.OPENCIM_OPEN311_RATE): { key: number; ip: number } {
  const r = { key: 1200, ip: 600 };
  for (const part of (env ?? '').split(',').filter(Boolean)) {
    const [k, v] = part.split(':');
    if ((k !== 'key' && k !== 'ip') || !(Number(v) > 0)) throw new Error(`OPENCIM_OPEN311_RATE: "${part}" is not key:N or ip:N`);
    r[k] = Number(v);
  }
  return r;
}

/** fixed one-minute windows per client */
class RateLimit {
  private w = new Map<string, { start: number; n: number }>();
  constructor(private perMinute: number) {}
  take(id: string, now = Date.now()): boolean {
    let e = this.w.get(id);
    if (!e || now - e.start >= 60_000) {
      if (this.w.size > 100_000) for (const [k, x] of this.w) if (now - x.start >= 60_000) this.w.delete(k);
      e = { start: now, n: 0 };
      this.w.set(id, e);
    }
    return ++e.n <= this.perMinute;
  }
}

type Body = Record<string, string | string[]>;
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
// eslint-disable-next-line no-control-regex
const clean = (s: string | undefined, max: number, field: string): string | undefined => {
  if (s === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').trim();
  if ([...t].length > max) throw bad(`${field} is longer than ${max} characters / ${field} 超过 ${max} 字`);
  return t || undefined;
};

function mediaUrls(v: string | string[] | undefined): string[] {
  const urls = many(v).map((u) => u.trim()).filter(Boolean);
  if (urls.length > MAX_MEDIA) throw bad(`at most ${MAX_MEDIA} media_url / 最多 ${MAX_MEDIA} 个 media_url`);
  for (const u of urls) {
    let ok = false;
    try { const p = new URL(u); ok = (p.protocol === 'http:' || p.protocol === 'https:') && u.length <= 2000; } catch { /* not a URL */ }
    if (!ok) throw bad(`media_url "${u.slice(0, 80)}" must be an http or https URL / media_url 只能是 http(s) 地址`);
  }
  return urls;
}

/**
 * A POST body as the form fields it stands for: a form is text already; a JSON object (some clients
 * send one) has its numbers and booleans as text, lists of them as repeated fields, and an
 * `attribute` object as the `attribute[code]` fields. Anything else is not a field.
 */
function formBody(raw: unknown): Body {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('the body must be form fields (application/x-www-form-urlencoded) / 请求体应为表单字段');
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const field = (v: unknown): string | string[] | undefined => {
    if (!Array.isArray(v)) return text(v);
    const list = v.map(text).filter((x): x is string => x !== undefined);
    return list.length ? list : undefined;
  };
  const out: Body = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === 'attribute' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [code, x] of Object.entries(v as Record<string, unknown>)) { const f = field(x); if (f !== undefined) out[`attribute[${code}]${Array.isArray(f) ? '[]' : ''}`] = f; }
      continue;
    }
    const f = field(v);
    if (f !== undefined) out[k] = f;
  }
  return out;
}

function attributesOf(body: Body): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    const m = /^attribute\[([^\]]{1,64})\](\[\])?$/.exec(k);
    if (!m) continue;
    const prev = out[m[1]];
    const vals = many(v);
    out[m[1]] = m[2] || prev !== undefined || vals.length > 1 ? [...many(prev), ...vals] : vals[0];
  }
  return out;
}

export async function open311Routes(app: FastifyInstance, ctx: ServerContext, store: Store, o: Open311Options = {}) {
  const ops = o.ops ?? opsConfig();
  const keys = new KeyRing(store, o.keys);
  const rate = o.rate ?? rateFromEnv();
  const byKey = new RateLimit(rate.key), byIp = new RateLimit(rate.ip);
  // reports still queued for group commit are written before the store closes
  app.addHook('onClose', async () => { await intakeOf(store).drain(); });
  const cal = ops.calendar;
  const dt = (isoOrNull: string | null) => (isoOrNull ? cal.w3c(Date.parse(isoOrNull)) : null);
  const departments = new Map(ops.catalogue.departments.map((d) => [d.id, d]));
  // discovery's changeset is a datetime: when the services it lists last changed
  const changeset = ops.catalogue.updated ?? new Date(0).toISOString();

  await app.register(async (api) => {
    await api.register((await import('@fastify/formbody')).default, { bodyLimit: 64 * 1024 });
    await api.register((await import('@fastify/multipart')).default, {
      limits: { fileSize: MAX_PHOTO, files: MAX_MEDIA, fields: 200, fieldSize: 16 * 1024, parts: 220 },
    });

    const fmtOf = (req: FastifyRequest): Fmt => (/\.json(\?|$)/.test(req.url) ? 'json' : 'xml');
    const send = (reply: FastifyReply, fmt: Fmt, root: string, value: unknown, status = 200) => {
      reply.code(status).header('cache-control', 'no-store');
      if (fmt === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
      return reply.type('text/xml; charset=utf-8').send(xmlDocument(root, value));
    };
    const sendError = (reply: FastifyReply, fmt: Fmt, status: number, description: string) =>
      send(reply, fmt, 'errors', [{ code: status, description }], status);

    api.setErrorHandler((err, req, reply) => {
      const fmt = fmtOf(req);
      if (err instanceof Open311Error || err instanceof OpsError || err instanceof HttpError) return sendError(reply, fmt, err.status, err.message);
      if (err instanceof AttributeError) return sendError(reply, fmt, 400, err.message);
      const e = err as { statusCode?: number; message: string; code?: string };
      if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_FILES_LIMIT' || e.code === 'FST_PARTS_LIMIT' || e.code === 'FST_FIELDS_LIMIT') {
        return sendError(reply, fmt, 400, `upload too large: at most ${MAX_MEDIA} photos of ${MAX_PHOTO / 1048576} MB / 上传过大: 最多 ${MAX_MEDIA} 张照片, 每张 ${MAX_PHOTO / 1048576} MB`);
      }
      if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return sendError(reply, fmt, e.statusCode === 415 ? 400 : e.statusCode, `${e.message} / 请求无效`);
      process.stderr.write(`open311: ${req.method} ${req.url.slice(0, 200)}: ${(err as Error).stack ?? err}\n`);
      return sendError(reply, fmt, 500, 'internal error (see the server log) / 服务器内部错误');
    });
    api.setNotFoundHandler((req, reply) => sendError(reply, fmtOf(req), 404, `no resource ${req.method} ${req.url.split('?')[0].slice(0, 200)} / 没有该资源`));

    const city = async (jurisdiction: string | string[] | undefined) => {
      const j = one(jurisdiction);
      if (j !== undefined && j.length > 128) throw new Open311Error(404, 'unknown jurisdiction_id / 未知的辖区');
      try { return await ctx.resolveCity(j || undefined); } catch (e) {
        if (e instanceof HttpError) throw new Open311Error(j ? 404 : e.status, j ? `unknown jurisdiction_id "${j}" / 未知的辖区` : e.message);
        throw e;
      }
    };
    const service = (k: CaseClass) => ({
      service_code: k.service_code, service_name: `${k.name_zh} / ${k.name_en}`, description: k.description,
      metadata: k.attributes.length > 0, type: 'realtime', keywords: k.keywords.join(','), group: k.group,
    });
    const publicRequest = (c: CaseRow) => {
      const st = open311Status(c.status);
      const dep = c.department ? departments.get(c.department) : undefined;
      const label = STATUS_LABELS[c.status];
      return {
        service_request_id: c.id, status: st.status,
        status_notes: `${label.zh} (${label.en})${c.duplicate_of ? `: ${c.duplicate_of}` : ''}${c.note && c.status !== 'duplicate' ? `: ${c.note}` : ''}`,
        service_name: (() => { const k = ops.catalogue.byService.get(c.service_code); return k ? `${k.name_zh} / ${k.name_en}` : c.service_code; })(),
        service_code: c.service_code, description: c.description, agency_responsible: dep ? `${dep.name_zh} / ${dep.name_en}` : c.department,
        service_notice: '', requested_datetime: dt(c.reported_at), updated_datetime: dt(c.updated_at), expected_datetime: dt(c.expected_at),
        address: c.address, address_id: '', zipcode: '', lat: c.lat, long: c.lon, media_url: c.media_urls[0] ?? '',
      };
    };

    const actor = async (req: FastifyRequest, body: Body) => {
      const name = await keys.nameOf(one(body.api_key));
      if (!name) throw new Open311Error(403, 'api_key is missing or not valid / API 密钥无效');
      if (!byKey.take(name) || !byIp.take(req.ip)) {
        throw new Open311Error(429, 'too many requests: slow down and retry in a minute / 请求过于频繁');
      }
      return `open311:${name}`;
    };

    /** the body of a form-encoded or multipart POST, with the uploaded photos */
    const readBody = async (req: FastifyRequest) => {
      const photos: { id: string; contentType: string; bytes: Buffer }[] = [];
      if (!req.isMultipart()) return { body: formBody(req.body), photos };
      const body: Body = {};
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const bytes = await part.toBuffer();
          if (!bytes.length) continue;
          if (!IMAGE_TYPES.has(part.mimetype)) throw bad(`${part.fieldname}: only JPEG, PNG, WebP or GIF photos, not ${part.mimetype.slice(0, 60)} / 只接受 JPEG、PNG、WebP 或 GIF 照片`);
          photos.push({ id: createHash('sha256').update(bytes).digest('hex'), contentType: part.mimetype, bytes });
        } else {
          const v = String(part.value);
          const prev = body[part.fieldname];
          body[part.fieldname] = prev === undefined ? v : [...many(prev), v];
        }
      }
      return { body, photos };
    };
    // links (discovery, stored media URLs) from the configured public base URL, else the listening address, as the OGC API's: never the client's Host header
    const base = (req: FastifyRequest) => `${baseUrl(req)}/open311/v2`;

    api.get('/:file', async (req, reply) => {
      const { name, fmt } = split((req.params as { file: string }).file);
      const q = req.query as Body;
      if (name === 'discovery') {
        const url = base(req);
        const doc = {
          changeset, contact: o.contact ?? 'OpenCIM city operations / 城市运行管理服务平台', key_service: `${url.replace(/\/open311\/v2$/, '')} (opencim keys add NAME)`,
          endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url, changeset, type: 'production', formats: ['text/xml', 'application/json'] }],
        };
        return send(reply, fmt, 'discovery', doc);
      }
      if (name === 'services') {
        await city(q.jurisdiction_id);
        return send(reply, fmt, 'services', ops.catalogue.classes.map(service));
      }
      if (name === 'requests') {
        const cityId = await city(q.jurisdiction_id);
        return send(reply, fmt, 'service_requests', (await listRequests(cityId, q)).map(publicRequest));
      }
      if (name === 'servicerequestupdates') {
        const cityId = await city(q.jurisdiction_id);
        return send(reply, fmt, 'service_request_updates', await listUpdates(cityId, q));
      }
      throw new Open311Error(404, `no resource ${name.slice(0, 100)} / 没有该资源`);
    });

    api.get('/services/:file', async (req, reply) => {
      const { name, fmt } = split((req.params as { file: string }).file);
      await city((req.query as Body).jurisdiction_id);
      const k = ops.catalogue.byService.get(name);
      if (!k) throw new Open311Error(404, `no service ${name.slice(0, 64)} / 没有该类别`);
      return send(reply, fmt, 'service_definition', {
        service_code: k.service_code,
        attributes: [...k.attributes].sort((a, b) => a.order - b.order).map((a) => ({
          variable: true, code: a.code, datatype: a.datatype, required: a.required,
          datatype_description: a.datatype_description ?? '', order: a.order, description: a.description,
          values: a.values?.map((v) => ({ key: v.key, name: v.name })) ?? [],
        })),
      });
    });

    api.get('/requests/:file', async (req, reply) => {
      const { name, fmt } = split((req.params as { file: string }).file);
      const cityId = await city((req.query as Body).jurisdiction_id);
      const c = /^\d{1,18}$/.test(name) ? await getCase(store, cityId, name) : null;
      if (!c) throw new Open311Error(404, `no service request ${name.slice(0, 64)} / 没有该案件`);
      return send(reply, fmt, 'service_requests', [publicRequest(c)]);
    });

    api.get('/tokens/:file', async (req, reply) => {
      const { name, fmt } = split((req.params as { file: string }).file);
      const cityId = await city((req.query as Body).jurisdiction_id);
      const [r] = /^[0-9a-f]{24}$/.test(name)
        ? await store.query<{ id: string }>('SELECT id FROM cases_current WHERE city_id = $1 AND token = $2', [cityId, name]) : [];
      if (!r) throw new Open311Error(404, `no token ${name.slice(0, 64)} / 没有该凭据`);
      return send(reply, fmt, 'service_requests', [{ service_request_id: r.id, token: name }]);
    });

    api.get('/media/:id', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const [m] = /^[0-9a-f]{64}$/.test(id) ? await store.query<{ content_type: string; bytes: Uint8Array }>('SELECT content_type, bytes FROM case_media WHERE id = $1 LIMIT 1', [id]) : [];
      if (!m) throw new Open311Error(404, 'no such media / 没有该照片');
      return reply.type(m.content_type).header('cache-control', 'public, max-age=31536000, immutable').send(Buffer.from(m.bytes));
    });

    api.post('/:file', async (req, reply) => {
      const { name, fmt } = split((req.params as { file: string }).file);
      if (name !== 'requests' && name !== 'servicerequestupdates') throw new Open311Error(404, `no resource ${name.slice(0, 100)} / 没有该资源`);
      const { body, photos } = await readBody(req);
      const by = await actor(req, body);
      const cityId = await city(body.jurisdiction_id);
      const photoUrls = photos.map((p) => `${base(req)}/media/${p.id}`);
      const reporter: Reporter = {};
      for (const f of ['email', 'phone', 'first_name', 'last_name', 'device_id', 'account_id'] as const) {
        const v = clean(one(body[f] ?? (f === 'device_id' ? body.deviceid : undefined)), f === 'email' ? 254 : 100, f);
        if (v) reporter[f] = v;
      }
      if (reporter.email && !/^[^\s@]+@[^\s@]+$/.test(reporter.email)) throw bad('email is not an e-mail address / email 不是有效的电子邮件地址');
      if (name === 'servicerequestupdates') {
        const id = one(body.service_request_id) ?? '';
        if (!/^\d{1,18}$/.test(id)) throw bad('service_request_id is required / 缺少 service_request_id');
        const description = clean(one(body.description), MAX_DESCRIPTION, 'description') ?? '';
        const status = clean(one(body.status), 40, 'status') ?? '';
        const clientId = clean(one(body.update_id), 64, 'update_id');
        const urls = [...mediaUrls(body.media_url), ...photoUrls];
        const c = await annotate(store, { cityId, id, actor: by, action: 'comment', note: `${status ? `[${status}] ` : ''}${description}`.trim() || '(no text)',
          mediaUrls: urls, media: photos, reason: `comment${clientId ? ` (client update ${clientId})` : ''}` });
        ctx.touch(cityId);
        return send(reply, fmt, 'service_request_updates', [{ update_id: `${c.id}-${c.version}` }], 201);
      }
      const serviceCode = one(body.service_code);
      if (!serviceCode) throw bad('service_code is required / 缺少 service_code');
      const description = clean(one(body.description), MAX_DESCRIPTION, 'description');
      const address = clean(one(body.address_string), 500, 'address_string');
      const addressId = clean(one(body.address_id), 100, 'address_id');
      let lon: number | undefined, lat: number | undefined;
      const latS = one(body.lat), lonS = one(body.long);
      if (latS !== undefined || lonS !== undefined) {
        lat = Number(latS); lon = Number(lonS);
        if (latS === undefined || lonS === undefined || latS.trim() === '' || lonS.trim() === '' || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
          throw bad('lat and long must both be given as WGS84 degrees / 经纬度无效');
        }
        const ext = await cityExtent(store, cityId);
        if (outsideCity(ext, lon, lat)) throw bad(outsideMessage(ext!, lon, lat, { lon: 'long', lat: 'lat' }));
      } else if (!address && !addressId) {
        throw bad('a location is required: lat and long, or address_string, or address_id / 缺少位置');
      }
      const c = await report(store, ops, {
        cityId, serviceCode, lon, lat, address: address ?? (addressId ? `address_id ${addressId}` : undefined), description,
        attributes: attributesOf(body), mediaUrls: [...mediaUrls(body.media_url), ...photoUrls], media: photos, reporter,
        channel: 'open311', actor: by,
      });
      // this process's next reads see the new case at once (the collection, its tiles); the other processes within versionTtlMs
      ctx.touch(cityId);
      const notice = c.duplicate_of ? `重复报告, 已关联到案件 ${c.duplicate_of} / duplicate of request ${c.duplicate_of}` : `已受理, 预计 ${dt(c.expected_at)} 前办结 / expected by ${dt(c.expected_at)}`;
      return send(reply, fmt, 'service_requests', [{ service_request_id: c.id, token: c.token, service_notice: notice, account_id: reporter.account_id ?? '' }], 201);
    });

    async function listRequests(cityId: string, q: Body): Promise<CaseRow[]> {
      const page = intParam(q.page, 'page', 1, 1_000_000, 1);
      const pageSize = intParam(q.page_size, 'page_size', 1, 1000, 1000);
      const ids = one(q.service_request_id);
      if (ids !== undefined) {
        const list = ids.split(',').map((s) => s.trim()).filter(Boolean);
        if (!list.length || list.length > 1000 || list.some((s) => !/^\d{1,18}$/.test(s))) throw bad('service_request_id: a comma-separated list of request ids (at most 1000) / service_request_id 应为逗号分隔的案件编号 (最多 1000 个)');
        return listCases(store, cityId, { ids: list, limit: pageSize, offset: (page - 1) * pageSize });
      }
      const codes = one(q.service_code)?.split(',').map((s) => s.trim()).filter(Boolean);
      const status = one(q.status);
      if (status !== undefined && status !== 'open' && status !== 'closed') throw bad('status must be open or closed / status 应为 open 或 closed');
      const date = (v: string | undefined, f: string) => {
        if (v === undefined || v === '') return undefined;
        const t = Date.parse(v);
        if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw bad(`${f} must be a W3C datetime, e.g. 2026-03-02T00:00:00+08:00 / ${f} 应为 W3C 日期时间`);
        return t;
      };
      let start = date(one(q.start_date), 'start_date'), end = date(one(q.end_date), 'end_date');
      if (end === undefined) end = start !== undefined ? Math.min(Date.now(), start + 90 * DAY) : Date.now();
      if (start === undefined) start = end - 90 * DAY;
      if (end < start) throw bad('end_date is before start_date / end_date 早于 start_date');
      if (end - start > 90 * DAY) throw bad('start_date to end_date may span at most 90 days / start_date 至 end_date 最多 90 天');
      return listCases(store, cityId, {
        serviceCodes: codes, open311Status: status as 'open' | 'closed' | undefined,
        start: new Date(start).toISOString(), end: new Date(end).toISOString(), limit: pageSize, offset: (page - 1) * pageSize,
      });
    }

    async function listUpdates(cityId: string, q: Body) {
      const s = one(q.start_date), e = one(q.end_date);
      if ((s === undefined) !== (e === undefined)) throw bad('give both start_date and end_date, or neither / start_date 与 end_date 须同时给出或都不给');
      const end = e ? Date.parse(e) : Date.now();
      const start = s ? Date.parse(s) : end - DAY;
      if (Number.isNaN(start) || Number.isNaN(end)) throw bad('start_date and end_date must be W3C datetimes / start_date 与 end_date 应为 W3C 日期时间');
      if (end < start || end - start > 90 * DAY) throw bad('start_date to end_date: at most 90 days, in order / start_date 至 end_date 最多 90 天, 且不得颠倒');
      const rows = await store.query<{ id: string; version: number; status: Status; note: string | null; action: string; valid_from: string; media_urls: unknown }>(
        `SELECT id, version, status, note, action, valid_from, media_urls FROM cases_versions
          WHERE city_id = $1 AND version > 1 AND valid_from >= $2 AND valid_from <= $3 ORDER BY valid_from, id, version LIMIT 1000`,
        [cityId, new Date(start).toISOString(), new Date(end).toISOString()]);
      return rows.map((r) => {
        const media = (typeof r.media_urls === 'string' ? JSON.parse(r.media_urls) : r.media_urls) as string[];
        const label = STATUS_LABELS[r.status];
        return {
          update_id: `${r.id}-${r.version}`, service_request_id: r.id, status: open311Status(r.status).extended,
          updated_datetime: dt(new Date(r.valid_from).toISOString()),
          description: `${label.zh} (${label.en})${r.note ? `: ${r.note}` : ''}`,
          media_url: r.action === 'comment' ? media[media.length - 1] ?? '' : '', external_status_code: r.status,
        };
      });
    }
  }, { prefix: '/open311/v2' });
}

function intParam(v: string | string[] | undefined, name: string, min: number, max: number, dflt: number): number {
  const s = one(v);
  if (s === undefined || s === '') return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw bad(`${name} must be an integer from ${min} to ${max} / ${name} 应为 ${min} 至 ${max} 的整数`);
  return n;
}
