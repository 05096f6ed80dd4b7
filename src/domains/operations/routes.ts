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
import { act, caseHistory, getCase, listCases, type CaseRow, type OpsConfig, OpsError, opsConfig, report } from './store.js';
import { operationsStats, STAT_GROUPS, statsCsv, type StatGroup } from './stats.js';
import { intakeOf } from './intake.js';
import type { Principal } from '../../store/principals.js';
const STAFF = ['grid_worker', 'dispatcher', 'department', 'supervisor', 'admin'];

export async function operationsRoutes(app: FastifyInstance, ctx: ServerContext, store: Store, opts: ServerOptions, o: { ops?: OpsConfig } = {}) {
  // reports still queued for group commit are written before the store closes
  app.addHook('onClose', async () => { await intakeOf(store).drain(); });
  const ops = o.ops ?? opsConfig();
  const principal = (req: FastifyRequest): Promise<Principal | null> => principalOf(opts, req);
  const need = async (req: FastifyRequest, roles: string[] = STAFF): Promise<Principal> => {
    const p = await principal(req);
    if (!p) throw unauthorized('this endpoint needs a bearer token of a principal with an operations role (opencim users add NAME --role ROLE) / 需要登录');
    if (!p.roles.some((r) => r === 'admin' || roles.includes(r))) throw forbidden(`this needs the role ${roles.join(' or ')}; you have ${p.roles.join(', ')} / 无权访问`);
    return p;
  };
  const mapErr = (e: unknown): never => {
    if (e instanceof TransitionError || e instanceof OpsError) throw new HttpError(e.status, e.status === 409 ? 'Conflict' : e.status === 403 ? 'Forbidden' : e.status === 404 ? 'NotFound' : 'InvalidParameterValue', e.message);
    if (e instanceof AttributeError) throw badRequest(e.message);
    throw e;
  };
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

  app.get('/api/v1/operations/cases', { schema: { tags, summary: 'cases with filters (staff)' } }, async (req) => {
    await need(req);
    const f = q(req);
    const limit = f.limit ? Number(f.limit) : 100, offset = f.offset ? Number(f.offset) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) throw badRequest('limit: 1-1000, offset ≥ 0');
    const statuses = f.status?.split(',').filter(Boolean) as Status[] | undefined;
    for (const s of statuses ?? []) if (!(STATUSES as readonly string[]).includes(s)) throw badRequest(`status "${s}" is not one of ${STATUSES.join(', ')}`);
    const rows = await listCases(store, await city(req), { statuses, serviceCodes: f.service_code?.split(','), department: f.department, grid: f.grid,
      overdue: f.overdue === 'true', limit, offset });
    return { cases: rows.map((c) => view(c, true)), limit, offset };
  });

  app.get('/api/v1/operations/cases/:id', { schema: { tags, summary: 'the case panel: case, history, allowed actions' } }, async (req) => {
    const p = await need(req, [...STAFF, 'citizen']);
    const id = (req.params as { id: string }).id;
    const c = /^\d{1,18}$/.test(id) ? await getCase(store, await city(req), id) : null;
    if (!c) throw notFound(`no case ${id.slice(0, 40)} / 案件不存在`);
    const staff = p.roles.some((r) => STAFF.includes(r));
    return { case: view(c, staff), history: await caseHistory(store, await city(req), id), actions: allowedActions(c.status, p.roles).map((a) => ({ id: a, zh: ACTIONS[a].zh, en: ACTIONS[a].en, note_required: ACTIONS[a].note })) };
  });

  app.post('/api/v1/operations/cases', { schema: { tags, summary: 'report a case (grid worker, staff)' } }, async (req, reply) => {
    const p = await need(req, ['grid_worker', 'supervisor', 'admin']);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const lon = Number(b.lon), lat = Number(b.lat);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) throw badRequest('lon and lat (WGS84 degrees) are required / 缺少经纬度');
    if (typeof b.service_code !== 'string') throw badRequest('service_code is required');
    if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > 4000)) throw badRequest('description: text of at most 4000 characters');
    const c = await report(store, ops, { cityId: await city(req), serviceCode: b.service_code, lon, lat, description: b.description as string | undefined,
      attributes: (b.attributes ?? {}) as Record<string, string>, channel: p.roles.includes('grid_worker') ? 'grid_worker' : 'staff', actor: p.name }).catch(mapErr);
    return reply.code(201).send({ case: view(c, true) });
  });

  app.post('/api/v1/operations/cases/:id/actions', { schema: { tags, summary: 'move a case: accept, dispatch, handle, verify, close, reject, send_back, rework, reopen' } }, async (req) => {
    const p = await need(req, [...STAFF]);
    const id = (req.params as { id: string }).id;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.action !== 'string') throw badRequest('action is required');
    if (b.expected_version !== undefined && !Number.isInteger(b.expected_version)) throw badRequest('expected_version must be an integer (the version you saw)');
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 4000)) throw badRequest('note: text of at most 4000 characters');
    const c = await act(store, ops, { cityId: await city(req), id, action: b.action, roles: p.roles, actor: p.name, note: b.note as string | undefined,
      department: typeof b.department === 'string' ? b.department : undefined, expectedVersion: b.expected_version as number | undefined }).catch(mapErr);
    return { case: view(c, true), actions: allowedActions(c.status, p.roles) };
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

  app.get('/api/v1/operations/stats', { schema: { tags, summary: 'statistics by grid, street, class or department (JSON or CSV)' } }, async (req, reply: FastifyReply) => {
    await need(req);
    const by = (q(req).by ?? 'class') as StatGroup;
    if (!(by in STAT_GROUPS)) throw badRequest(`by must be one of ${Object.keys(STAT_GROUPS).join(', ')}`);
    const rows = await operationsStats(store, await city(req), by);
    if (q(req).format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="operations-by-${by}.csv"`).send('\ufeff' + statsCsv(by, rows));
    return { by, rows };
  });
}
