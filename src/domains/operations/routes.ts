/**
 * The staff API of city operations under /api/v1/operations (JSON):
 *   GET  cases                 list with filters (status, service_code, department, grid, overdue)
 *   GET  cases/{id}            the case panel: the case, its history, and only the actions the caller's roles allow
 *   POST cases                 a report by a grid worker or staff
 *   POST cases/{id}/actions    a transition { action, note?, department?, expected_version } (409 when someone moved it first)
 *   GET  map                   cases on the map (GeoJSON, no personal data): stage, class, overdue, escalation
 *   GET  stats?by=grid|street|class|department[&format=csv]
 *   GET  catalogue             classes, departments, stages
 * People: a bearer token names a principal with roles (citizen, grid_worker, dispatcher, department,
 * supervisor, admin), the platform's principals (opencim users add, OPENCIM_TOKENS). Reporter
 * e-mail/phone: staff only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/driver.js';
import type { ServerContext } from '../../server/context.js';
import type { ServerOptions } from '../../server/config.js';
import { principalOf } from '../../server/auth.js';
import { badRequest, forbidden, HttpError, notFound, unauthorized } from '../../server/errors.js';
import { AttributeError } from './catalogue.js';
import { ACTIONS, allowedActions, OPS_ROLES, STATUSES, STATUS_LABELS, TransitionError, type Status } from './cycle.js';
import { act, caseHistory, fillAttributes, getCase, listCases, type CaseRow, type OpsConfig, OpsError, opsConfig, report } from './store.js';
import { operationsStats, STAT_GROUPS, statsCsv, type StatGroup } from './stats.js';
import { intakeOf } from './intake.js';
import { cityExtent, outsideCity, outsideMessage } from './extent.js';
import type { Principal } from '../../store/principals.js';
const STAFF = ['grid_worker', 'dispatcher', 'department', 'supervisor', 'admin'];

/**
 * A report's attributes as the class rule reads them (text, or lists of text): from `attributes`
 * ({"size": "large"}, numbers and booleans as text) and from Open311's form keys
 * (`"attribute[size]": "large"`, `attribute[kinds][]`) at the top of the body.
 */
function attributesOf(b: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const text = (v: unknown): string | string[] | undefined =>
    Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (b.attributes !== undefined && (typeof b.attributes !== 'object' || b.attributes === null || Array.isArray(b.attributes))) {
    throw badRequest('attributes 应为对象, 如 {"size": "large"} / attributes must be an object, e.g. {"size": "large"}');
  }
  for (const [k, v] of Object.entries((b.attributes ?? {}) as Record<string, unknown>)) { const t = text(v); if (t !== undefined) out[k] = t; }
  for (const [k, v] of Object.entries(b)) {
    const m = /^attribute\[([^\]]{1,64})\](\[\])?$/.exec(k);
    const t = m ? text(v) : undefined;
    if (m && t !== undefined && out[m[1]] === undefined) out[m[1]] = m[2] && !Array.isArray(t) ? [t] : t;
  }
  return out;
}

export async function operationsRoutes(app: FastifyInstance, ctx: ServerContext, store: Store, opts: ServerOptions, o: { ops?: OpsConfig } = {}) {
  // reports still queued for group commit are written before the store closes
  app.addHook('onClose', async () => { await intakeOf(store).drain(); });
  const ops = o.ops ?? opsConfig();
  const principal = (req: FastifyRequest): Promise<Principal | null> => principalOf(opts, req);
  const need = async (req: FastifyRequest, roles: string[] = STAFF): Promise<Principal> => {
    const p = await principal(req);
    if (!p) throw unauthorized('需要登录 / this endpoint needs a bearer token of a principal with an operations role (opencim users add NAME --role ROLE)');
    if (!p.roles.some((r) => r === 'admin' || roles.includes(r))) throw forbidden(`无权访问 / this needs the role ${roles.join(' or ')}; you have ${p.roles.join(', ')}`);
    return p;
  };
  const mapErr = (e: unknown): never => {
    if (e instanceof TransitionError || e instanceof OpsError) throw new HttpError(e.status, e.status === 409 ? 'Conflict' : e.status === 403 ? 'Forbidden' : e.status === 404 ? 'NotFound' : 'InvalidParameterValue', e.message);
    // the attribute named as this endpoint's body has it (attributes.size), not as Open311's form does (attribute[size])
    if (e instanceof AttributeError) throw badRequest(e.message.split(`attribute[${e.attribute}]`).join(`attributes.${e.attribute}`), { field: `attributes.${e.attribute}` });
    throw e;
  };
  /** the roles an endpoint needs, checked before its parameters are (a request without a token is a 401, not a 400) */
  const guard = (roles: string[] = STAFF) => async (req: FastifyRequest) => { await need(req, roles); };
  const security = [{ bearerAuth: [] }];
  const cityQ = { city: { type: 'string', maxLength: 128, description: 'city id (default: the only city)' } } as const;
  const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 40, description: 'case id (案件编号)' } } } as const;
  const unauthorizedNote = '401 without a valid bearer token, 403 without the role';
  const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
  const city = (req: FastifyRequest) => ctx.resolveCity(q(req).city);
  const view = (c: CaseRow, staff: boolean) => {
    const { token: _t, reporter, ...rest } = c;
    return { ...rest, status_label: STATUS_LABELS[c.status], ...(staff ? { reporter } : {}) };
  };
  const tags = ['Operations'];

  app.get('/api/v1/operations/catalogue', { schema: { tags, summary: 'case classes, departments and stages' } }, async () => ({
    id: ops.catalogue.id, version: ops.catalogue.version, stages: ops.catalogue.stages, departments: ops.catalogue.departments,
    classes: ops.catalogue.classes, statuses: STATUSES.map((s) => ({ id: s, ...STATUS_LABELS[s] })),
    actions: Object.entries(ACTIONS).map(([id, a]) => ({ id, zh: a.zh, en: a.en, from: a.from, to: a.to, roles: a.roles, note_required: a.note })),
  }));

  app.get('/api/v1/operations/cases', {
    preValidation: guard(),
    schema: {
      tags, summary: 'cases with filters (staff)', description: `案件列表 (工作人员). ${unauthorizedNote}.`, security,
      querystring: {
        type: 'object',
        properties: {
          ...cityQ,
          status: { type: 'string', maxLength: 200, description: `comma-separated stages: ${STATUSES.join(', ')}` },
          service_code: { type: 'string', maxLength: 500, description: 'comma-separated case classes (service_code)' },
          department: { type: 'string', maxLength: 100, description: 'responsible department' },
          grid: { type: 'string', maxLength: 100, description: 'unit grid code' },
          overdue: { type: 'string', enum: ['true', 'false'], description: 'only cases past the deadline of their stage' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          offset: { type: 'integer', minimum: 0, default: 0 },
        },
      },
    },
  }, async (req) => {
    await need(req);
    const f = q(req);
    const limit = f.limit ? Number(f.limit) : 100, offset = f.offset ? Number(f.offset) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) throw badRequest('limit 应为 1-1000, offset ≥ 0 / limit: 1-1000, offset ≥ 0');
    const statuses = f.status?.split(',').filter(Boolean) as Status[] | undefined;
    for (const s of statuses ?? []) if (!(STATUSES as readonly string[]).includes(s)) throw badRequest(`案件环节 "${s}" 无效 / status "${s}" is not one of ${STATUSES.join(', ')}`);
    const rows = await listCases(store, await city(req), { statuses, serviceCodes: f.service_code?.split(','), department: f.department, grid: f.grid,
      overdue: f.overdue === 'true', limit, offset });
    return { cases: rows.map((c) => view(c, true)), limit, offset };
  });

  app.get('/api/v1/operations/cases/:id', {
    preValidation: guard([...STAFF, 'citizen']),
    schema: { tags, summary: 'the case panel: case, history, allowed actions', description: `案件详情: 案件、历史与当前角色可做的操作 (staff, citizen). ${unauthorizedNote}.`, security, params: idParams, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const p = await need(req, [...STAFF, 'citizen']);
    const id = (req.params as { id: string }).id;
    const c = /^\d{1,18}$/.test(id) ? await getCase(store, await city(req), id) : null;
    if (!c) throw notFound(`no case ${id.slice(0, 40)} / 案件不存在`);
    const staff = p.roles.some((r) => STAFF.includes(r));
    return { case: view(c, staff), history: await caseHistory(store, await city(req), id), actions: allowedActions(c.status, p.roles).map((a) => ({ id: a, zh: ACTIONS[a].zh, en: ACTIONS[a].en, note_required: ACTIONS[a].note })) };
  });

  app.post('/api/v1/operations/cases', {
    preValidation: guard(['grid_worker', 'supervisor', 'admin']),
    schema: {
      tags, summary: 'report a case (grid worker, staff)', description: `上报案件 (网格员、工作人员). ${unauthorizedNote}. A class's attributes (GET /api/v1/operations/catalogue) go in \`attributes\` ({"size": "large"}); Open311's form keys \`attribute[size]\` are taken too.`,
      security, querystring: { type: 'object', properties: cityQ },
      body: {
        type: 'object', required: ['lon', 'lat', 'service_code'],
        properties: {
          lon: { type: 'number', minimum: -180, maximum: 180, description: 'longitude, WGS84 degrees' },
          lat: { type: 'number', minimum: -90, maximum: 90, description: 'latitude, WGS84 degrees' },
          service_code: { type: 'string', minLength: 1, maxLength: 100, description: 'case class (GET /api/v1/operations/catalogue)' },
          description: { type: 'string', maxLength: 4000, description: 'what was found (问题描述)' },
          attributes: { type: 'object', description: "the class's attributes by code, e.g. {\"size\": \"large\"}", additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }] } },
        },
      },
    },
  }, async (req, reply) => {
    const p = await need(req, ['grid_worker', 'supervisor', 'admin']);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const lon = Number(b.lon), lat = Number(b.lat);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) throw badRequest('缺少经纬度 / lon and lat (WGS84 degrees) are required');
    if (typeof b.service_code !== 'string') throw badRequest('缺少案件类别 / service_code is required');
    if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > 4000)) throw badRequest('description: 最多 4000 字 / text of at most 4000 characters');
    const cityId = await city(req);
    const ext = await cityExtent(store, cityId);
    if (outsideCity(ext, lon, lat)) throw badRequest(outsideMessage(ext!, lon, lat), { field: 'lon' });
    const c = await report(store, ops, { cityId, serviceCode: b.service_code, lon, lat, description: b.description as string | undefined,
      attributes: attributesOf(b), channel: p.roles.includes('grid_worker') ? 'grid_worker' : 'staff', actor: p.name }).catch(mapErr);
    // this process's next reads see the new record at once (the collection, its tiles and counts); the other processes within versionTtlMs
    ctx.touch(cityId);
    return reply.code(201).send({ case: view(c, true) });
  });

  app.post('/api/v1/operations/cases/:id/actions', {
    preValidation: guard(),
    schema: {
      tags, summary: 'move a case: accept, dispatch, handle, verify, close, reject, send_back, rework, reopen',
      description: `案件流转; 409 when someone moved the case first (expected_version). ${unauthorizedNote}.`, security,
      params: idParams, querystring: { type: 'object', properties: cityQ },
      body: {
        type: 'object', required: ['action'],
        properties: {
          action: { type: 'string', enum: Object.keys(ACTIONS), description: 'the transition (GET /api/v1/operations/cases/{id} lists those the caller may take)' },
          note: { type: 'string', maxLength: 4000, description: 'a note (required by reject, send_back, rework, reopen, close...)' },
          department: { type: 'string', maxLength: 100, description: 'dispatch: the department to send it to' },
          expected_version: { type: 'integer', minimum: 1, description: 'the version you saw: 409 if the case has moved since' },
        },
      },
    },
  }, async (req) => {
    const p = await need(req, [...STAFF]);
    const id = (req.params as { id: string }).id;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.action !== 'string') throw badRequest('缺少操作 / action is required');
    if (b.expected_version !== undefined && !Number.isInteger(b.expected_version)) throw badRequest('expected_version 应为整数 (你看到的版本) / expected_version must be an integer (the version you saw)');
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 4000)) throw badRequest('note: 最多 4000 字 / text of at most 4000 characters');
    const cityId = await city(req);
    const c = await act(store, ops, { cityId, id, action: b.action, roles: p.roles, actor: p.name, note: b.note as string | undefined,
      department: typeof b.department === 'string' ? b.department : undefined, expectedVersion: b.expected_version as number | undefined }).catch(mapErr);
    ctx.touch(cityId);
    return { case: view(c, true), actions: allowedActions(c.status, p.roles) };
  });

  app.post('/api/v1/operations/cases/:id/attributes', {
    preValidation: guard(),
    schema: {
      tags, summary: "fill in or correct a case's attributes (a 12345 ticket's missing ones)",
      description: `补充或更正案件属性 (如 12345 工单缺少的必填属性), 记录操作人与原因; 409 when someone changed the case first (expected_version). ${unauthorizedNote}.`, security,
      params: idParams, querystring: { type: 'object', properties: cityQ },
      body: {
        type: 'object', required: ['attributes'],
        properties: {
          attributes: { type: 'object', minProperties: 1, description: "the class's attributes by code, e.g. {\"depth_cm\": 30}", additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }] } },
          reason: { type: 'string', maxLength: 500, description: 'why (recorded with the change set), e.g. 现场测量 measured on site' },
          expected_version: { type: 'integer', minimum: 1, description: 'the version you saw: 409 if the case has changed since' },
        },
      },
    },
  }, async (req) => {
    const p = await need(req, [...STAFF]);
    const id = (req.params as { id: string }).id;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b.expected_version !== undefined && !Number.isInteger(b.expected_version)) throw badRequest('expected_version 应为整数 (你看到的版本) / expected_version must be an integer (the version you saw)');
    if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > 500)) throw badRequest('reason: 最多 500 字 / text of at most 500 characters');
    const cityId = await city(req);
    const c = await fillAttributes(store, ops, { cityId, id, actor: p.name, attributes: attributesOf(b), reason: b.reason as string | undefined,
      expectedVersion: b.expected_version as number | undefined }).catch(mapErr);
    ctx.touch(cityId);
    return { case: view(c, true) };
  });

  app.get('/api/v1/operations/map', { schema: { tags, summary: 'cases on the map (GeoJSON, public fields only)' } }, async (req) => {
    const cityId = await city(req);
    const rows = await store.query<{ id: string; status: string; service_code: string; department: string | null; escalation: number; overdue: boolean; lon: number; lat: number }>(
      `SELECT id, status, service_code, department, escalation, coalesce(deadline < now(), false) AS overdue, ST_X(geom) AS lon, ST_Y(geom) AS lat
       FROM cases_current WHERE city_id = $1 AND geom IS NOT NULL AND status <> 'duplicate' AND (closed_at IS NULL OR closed_at > now() - interval '30 days')
       ORDER BY reported_at DESC LIMIT 20000`, [cityId]);
    return { type: 'FeatureCollection', features: rows.map((r) => ({ type: 'Feature', id: r.id, geometry: { type: 'Point', coordinates: [Number(r.lon), Number(r.lat)] },
      properties: { status: r.status, service_code: r.service_code, department: r.department, escalation: Number(r.escalation), overdue: r.overdue } })) };
  });

  app.get('/api/v1/operations/stats', {
    preValidation: guard(),
    schema: {
      tags, summary: 'statistics by grid, street, class or department (JSON or CSV)', description: `案件统计 (工作人员). ${unauthorizedNote}.`, security,
      querystring: {
        type: 'object',
        properties: {
          ...cityQ,
          by: { type: 'string', enum: Object.keys(STAT_GROUPS), default: 'class', description: 'group by' },
          format: { type: 'string', enum: ['json', 'csv'], default: 'json', description: 'csv: a UTF-8 file with BOM (opens in Excel)' },
        },
      },
    },
  }, async (req, reply: FastifyReply) => {
    await need(req);
    const by = (q(req).by ?? 'class') as StatGroup;
    if (!(by in STAT_GROUPS)) throw badRequest(`by 应为 ${Object.keys(STAT_GROUPS).join(', ')} 之一 / by must be one of ${Object.keys(STAT_GROUPS).join(', ')}`);
    const rows = await operationsStats(store, await city(req), by);
    if (q(req).format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="operations-by-${by}.csv"`).send('\ufeff' + statsCsv(by, rows));
    return { by, rows };
  });
}
