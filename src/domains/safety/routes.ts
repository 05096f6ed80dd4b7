/**
 * The safety API under /api/v1/safety/ (a Fastify plugin): the register (profiles, inspections),
 * what is due, the risk ranking, the policy flags, and the history of every record. Reads follow
 * the server's read policy; writes need a token with a writing role and name their reason; the
 * actor and reason of every write are kept in its change set.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerOptions } from '../../server/config.js';
import type { ServerContext } from '../../server/context.js';
import { badRequest, HttpError, notFound } from '../../server/errors.js';
import { mayRead, requireRead, requireRole } from '../../server/auth.js';
import { COLLECTION_BY_ID } from '../../catalog/collections.js';
import { computeFlags, flagRow, loadPolicy } from './checks.js';
import { computeDue, dueRow, overdueDays } from './due.js';
import { futureDateProblem, parseDate, todayDays } from './model.js';
import { InspectionSchema, ProfileSchema } from './schemas.js';
import { withCityIntensity, type SafetyRegister } from './register.js';
import { computeRisk, FACTORS, loadRiskConfig, riskRow, topN } from './risk.js';
import { compileRules, PRESETS, type CompiledRules } from './rules.js';
import { chooseRules, cityRules, cityRulesHistory, rulesLabel, type ChosenRules } from './city-rules.js';
import { readRegister, recordHistory, registerState, writeRecord } from './store.js';
import { latestDue } from './jobs.js';

const INSPECTIONS_POLICY = COLLECTION_BY_ID.get('inspections')!;
/** what the public view of a building's inspections leaves out */
const WITHHELD = ['inspector', 'verified_by', 'photos'] as const;

const tags = ['House safety 房屋安全'];
const cityQ = { city: { type: 'string', maxLength: 128, description: 'city id (default: the only city)' } } as const;
const asOfQ = { as_of: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the day to count from (default today)' } } as const;
const rulesQ = { rules: { type: 'string', enum: [...PRESETS], description: 'checkup-cycle rules preset (default: the city\'s stored rules, `opencim safety rules set`, else nantong)' } } as const;
const intensityQ = { intensity: { type: 'number', minimum: 5, maximum: 10, description: 'city-wide seismic design intensity for buildings whose profile has none' } } as const;
const pageQ = { limit: { type: 'integer', minimum: 1, maximum: 10000, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 } } as const;
const idP = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['id'] } as const;

/** who wrote: the principal the route guard resolved */
function actorOf(_opts: ServerOptions, req: FastifyRequest): string {
  return req.principal?.name ?? 'unknown';
}

function asOf(q: { as_of?: string }): number {
  if (!q.as_of) return todayDays();
  const d = parseDate(q.as_of);
  if (d === null) throw badRequest(`as_of: "${q.as_of}" is not a calendar date`);
  return d;
}

function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest(`${i.path.join('.') || 'body'}: ${i.message}`, { field: i.path.join('.') });
  }
  return r.data;
}

const WriteMeta = z.object({ reason: z.string().min(1).max(1000), expected_version: z.number().int().min(0).optional() });
const ProfileBody = ProfileSchema.omit({ building_id: true }).partial().extend(WriteMeta.shape).strict();
const InspectionBody = InspectionSchema.omit({ inspection_id: true }).extend(WriteMeta.shape).extend({
  organisation: z.string().max(500).nullable().default(null), inspector: z.string().max(500).nullable().default(null), method: z.string().max(500).nullable().default(null),
  grade: InspectionSchema.shape.grade.default(null), hazards: InspectionSchema.shape.hazards.default([]), measure: InspectionSchema.shape.measure.default(null),
  deadline: InspectionSchema.shape.deadline.default(null), remediated_on: InspectionSchema.shape.remediated_on.default(null), verified_by: z.string().max(500).nullable().default(null),
}).strict();

export async function safetyRoutes(app: FastifyInstance, ctx: ServerContext, opts: ServerOptions) {
  // the register, read once per city and write version (the city's archive head: every recorded write, in any process, moves it)
  const register = (city: string): Promise<SafetyRegister> => ctx.cached(city, 'safety:register', async () => {
    if (!(await registerState(ctx.store, city))) throw notFound(`no safety register for city "${city}": import one with \`opencim safety import\` / 尚无房屋安全档案`);
    return readRegister(ctx.store, city);
  }, 'head');
  const cityOf = (req: FastifyRequest) => ctx.resolveCity((req.query as { city?: string }).city);
  // the rules asked for, else the city's stored ones, else the default preset: read on each request (one
  // indexed row; a setting is a run, not a change set, so no cached version would follow it)
  const rulesOf = async (city: string, preset?: string): Promise<{ chosen: ChosenRules; compiled: CompiledRules }> => {
    const chosen = await chooseRules(ctx.store, city, preset);
    return { chosen, compiled: compileRules(chosen.set) };
  };
  const writer = requireRole(opts, 'inspector', 'admin');

  app.get('/api/v1/safety/profiles', {
    schema: { summary: 'safety profiles with the latest inspection (房屋安全档案)', tags, querystring: { type: 'object', properties: { ...cityQ, ...pageQ } } },
  }, async (req) => {
    const q = req.query as { limit: number; offset: number };
    const city = await cityOf(req);
    await register(city);
    const rows = await ctx.store.query(
      `SELECT p.building_id, p.year_built, p.design_life_years, p.structure, p.storeys, p.height_m, p.use, p.households, p.group_rental, p.seismic_intensity, p.isolation,
         p.owner, p.insured, p.fund, p.version FROM safety_profiles_current p WHERE p.city_id = $1 ORDER BY p.building_id LIMIT $2 OFFSET $3`, [city, q.limit, q.offset]);
    return { city, profiles: rows };
  });

  app.get('/api/v1/safety/profiles/:id', {
    schema: { summary: 'one building: profile, every current inspection (newest first), due date and risk', tags, params: idP, querystring: { type: 'object', properties: { ...cityQ, ...asOfQ, ...rulesQ } } },
  }, async (req, reply) => {
    reply.header('vary', 'Authorization');
    const id = (req.params as { id: string }).id;
    const q = req.query as { as_of?: string; rules?: string };
    const city = await cityOf(req);
    const reg = await register(city);
    const b = reg.ids.indexOf(id);
    const profile = (await ctx.store.query(`SELECT * FROM safety_profiles_current WHERE city_id = $1 AND building_id = $2`, [city, id]))[0];
    const inspections = await ctx.store.query(
      `SELECT id, building_id, to_char(date, 'YYYY-MM-DD') AS date, organisation, inspector, method, grade, hazards, measure, to_char(deadline, 'YYYY-MM-DD') AS deadline,
         to_char(remediated_on, 'YYYY-MM-DD') AS remediated_on, verified_by, photos, version FROM safety_inspections_current WHERE city_id = $1 AND building_id = $2 ORDER BY date DESC, id DESC`, [city, id]);
    if (!profile && !inspections.length) throw notFound(`building ${id} has no safety profile or inspection`);
    // the inspection records are staff-only (the inspections collection's policy): the public sees them without the
    // people's names and without the photos (of homes and the people in them; the photos themselves are staff-only)
    const staff = mayRead(req, INSPECTIONS_POLICY);
    if (!staff) for (const i of inspections) for (const f of WITHHELD) delete i[f];
    const rules = (await rulesOf(city, q.rules)).compiled;
    const due = computeDue(reg, rules, asOf(q));
    const clean = profile ? Object.fromEntries(Object.entries(profile).filter(([k]) => !['city_id', 'valid_from', 'valid_to', 'changeset_id', 'closed_by', 'content_hash', 'prev_hash', 'hash'].includes(k))) : null;
    return { building_id: id, profile: clean, inspections, ...(staff ? {} : { withheld_fields: [...WITHHELD] }), due: b >= 0 ? dueRow(reg, rules, due, b) : null, risk: b >= 0 ? riskRow(reg, due, loadRiskConfig(), b) : null };
  });

  app.get('/api/v1/safety/inspections', {
    schema: { summary: 'current inspections (房屋体检), optionally of one building', tags, querystring: { type: 'object', properties: { ...cityQ, ...pageQ, building_id: { type: 'string', maxLength: 200 } } } },
  }, async (req, reply) => {
    requireRead(req, INSPECTIONS_POLICY, reply);
    const q = req.query as { limit: number; offset: number; building_id?: string };
    const city = await cityOf(req);
    const rows = await ctx.store.query(
      `SELECT id, building_id, to_char(date, 'YYYY-MM-DD') AS date, organisation, inspector, method, grade, hazards, measure, to_char(deadline, 'YYYY-MM-DD') AS deadline,
         to_char(remediated_on, 'YYYY-MM-DD') AS remediated_on, verified_by, photos, version
       FROM safety_inspections_current WHERE city_id = $1 AND ($2::text IS NULL OR building_id = $2) ORDER BY date DESC, id LIMIT $3 OFFSET $4`, [city, q.building_id ?? null, q.limit, q.offset]);
    return { city, inspections: rows };
  });

  app.get('/api/v1/safety/due', {
    schema: { summary: 'next checkup due date of each building, most overdue first', tags, querystring: { type: 'object', properties: { ...cityQ, ...asOfQ, ...rulesQ, ...pageQ, overdue: { type: 'boolean', default: false } } } },
  }, async (req) => {
    const q = req.query as { as_of?: string; rules?: string; overdue: boolean; limit: number; offset: number };
    const city = await cityOf(req);
    const reg = await register(city);
    const { chosen, compiled: rules } = await rulesOf(city, q.rules);
    const res = computeDue(reg, rules, asOf(q));
    const order: number[] = [];
    for (let b = 0; b < reg.n; b++) if (!q.overdue || overdueDays(res, b) > 0) order.push(b);
    order.sort((a, b) => overdueDays(res, b) - overdueDays(res, a) || (reg.ids[a] < reg.ids[b] ? -1 : 1));
    return { rules: rulesLabel(chosen), total: order.length, due: order.slice(q.offset, q.offset + q.limit).map((b) => dueRow(reg, rules, res, b)) };
  });

  app.get('/api/v1/safety/overdue', {
    schema: { summary: 'the overdue list as recorded by the latest daily safety.due run (not recomputed): the run, its day and rules, most overdue first', tags, querystring: { type: 'object', properties: { ...cityQ, ...pageQ } } },
  }, async (req) => {
    const q = req.query as { limit: number; offset: number };
    const city = await cityOf(req);
    const r = await latestDue(ctx.store, city, q);
    if (!r) throw notFound(`no safety.due run for city "${city}" yet: it runs daily, or \`opencim jobs submit safety.due\` / 尚无体检到期计算记录`);
    const s = (r.run.summary ?? {}) as { as_of?: string; rules?: string; rules_version?: string; rules_from?: string; overdue?: number; buildings?: number };
    return { city, run: { run_id: r.run.run_id, as_of: s.as_of, rules: s.rules, rules_version: s.rules_version, rules_from: s.rules_from, finished_at: r.run.finished_at, actor: r.run.actor }, buildings: s.buildings, total: s.overdue, overdue: r.rows };
  });

  app.get('/api/v1/safety/rules', {
    schema: { summary: 'the checkup-cycle rules the city counts by (stored with `opencim safety rules set`, else the default preset), and every earlier setting', tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const city = await cityOf(req);
    const { chosen } = await rulesOf(city);
    const stored = chosen.from === 'city' ? await cityRules(ctx.store, city) : null;
    return { city, from: chosen.from, setting: stored?.setting ?? null, rules: chosen.set, history: await cityRulesHistory(ctx.store, city) };
  });

  app.get('/api/v1/safety/risk', {
    schema: { summary: 'risk ranking, every factor with value, weight and points', tags, querystring: { type: 'object', properties: { ...cityQ, ...asOfQ, ...rulesQ, top: { type: 'integer', minimum: 1, maximum: 10000, default: 100 },
      ...intensityQ, ...Object.fromEntries(FACTORS.map((f) => [`w_${f}`, { type: 'number', minimum: 0, maximum: 1000, description: `weight of ${f}` }])) } } },
  }, async (req) => {
    const q = req.query as Record<string, unknown> & { as_of?: string; rules?: string; top: number; intensity?: number };
    const city = await cityOf(req);
    const reg = withCityIntensity(await register(city), q.intensity);
    const weights = Object.fromEntries(FACTORS.filter((f) => q[`w_${f}`] !== undefined).map((f) => [f, Number(q[`w_${f}`])]));
    const cfg = loadRiskConfig(weights);
    const { chosen, compiled } = await rulesOf(city, q.rules);
    const due = computeDue(reg, compiled, asOf(q));
    const score = computeRisk(reg, due, cfg);
    return { weights: cfg.weights, rules: rulesLabel(chosen), risk: [...topN(score, q.top)].map((b) => riskRow(reg, due, cfg, b)) };
  });

  app.get('/api/v1/safety/flags', {
    schema: { summary: 'policy flags: each names its rule and source', tags, querystring: { type: 'object', properties: { ...cityQ, ...asOfQ, ...pageQ, ...intensityQ, population: { type: 'integer', minimum: 0 }, rule: { type: 'string', maxLength: 64 },
      information: { type: 'boolean', default: false, description: 'also the information rows (kind "information": buildings completed by 2021, or of unknown year, under rules for new ones), which are not violations; `information` counts them either way' } } } },
  }, async (req) => {
    const q = req.query as { as_of?: string; population?: number; intensity?: number; rule?: string; information?: boolean; limit: number; offset: number };
    const reg = withCityIntensity(await register(await cityOf(req)), q.intensity);
    const policy = loadPolicy(q.population !== undefined ? { city_population: q.population } : {});
    const f = computeFlags(reg, policy, asOf(q));
    const all = Array.from({ length: f.count }, (_, k) => flagRow(reg, policy, f, k)).filter((r) => !q.rule || r.rule === q.rule);
    const rows = q.information ? all : all.filter((r) => r.kind === 'flag');
    return { total: rows.length, information: all.length - all.filter((r) => r.kind === 'flag').length, flags: rows.slice(q.offset, q.offset + q.limit) };
  });

  app.get('/api/v1/safety/history/:kind/:id', {
    schema: { summary: 'every version of a profile (building_safety) or an inspection, with who, when and why', tags,
      params: { type: 'object', properties: { kind: { type: 'string', enum: ['building_safety', 'inspections'] }, id: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['kind', 'id'] },
      querystring: { type: 'object', properties: cityQ } },
  }, async (req, reply) => {
    const p = req.params as { kind: 'building_safety' | 'inspections'; id: string };
    if (p.kind === 'inspections') requireRead(req, INSPECTIONS_POLICY, reply);
    const city = await cityOf(req);
    const h = await recordHistory(ctx.store, city, p.kind === 'building_safety' ? 'profile' : 'inspection', p.id);
    if (!h.length) throw notFound(`no ${p.kind} record ${p.id}`);
    return { kind: p.kind, id: p.id, versions: h };
  });

  // ---- writes: a token with a writing role; every write names its reason ----
  const write = async (req: FastifyRequest, kind: 'profile' | 'inspection', rec: z.infer<typeof ProfileSchema> | z.infer<typeof InspectionSchema>, meta: { reason: string; expected_version?: number }) => {
    const city = await cityOf(req);
    // a ConflictError (someone wrote first) is a 409 by the one error module
    const r = await writeRecord(ctx.store, city, kind, rec, { actor: actorOf(opts, req), reason: meta.reason, expectedVersion: meta.expected_version });
    ctx.invalidate();
    return r;
  };
  const security = [{ bearerAuth: [] }];
  app.put('/api/v1/safety/profiles/:id', {
    preHandler: writer,
    schema: { summary: 'create or update a safety profile (a new version; writing role)', tags, security, params: idP, querystring: { type: 'object', properties: cityQ }, body: { type: 'object' } },
  }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const { reason, expected_version, ...fields } = validate(ProfileBody, req.body);
    const full = { building_id: id, year_built: null, design_life_years: null, structure: null, storeys: null, height_m: null, use: null, households: null, group_rental: null, seismic_intensity: null, isolation: null, owner: null, insured: null, fund: null, ...fields };
    const r = await write(req, 'profile', validate(ProfileSchema, full), { reason, expected_version });
    return reply.code(r.changed && r.version === 1 ? 201 : 200).send({ building_id: id, ...r });
  });
  const putInspection = (create: boolean) => async (req: FastifyRequest) => {
    const body = validate(InspectionBody.extend(create ? { inspection_id: z.string().min(1).max(200) } : {}), req.body) as z.infer<typeof InspectionBody> & { inspection_id?: string };
    const id = create ? body.inspection_id! : (req.params as { id: string }).id;
    const { reason, expected_version, inspection_id: _omit, ...fields } = body;
    void _omit;
    const rec = validate(InspectionSchema, { inspection_id: id, ...fields });
    if (rec.deadline && rec.deadline < rec.date) throw badRequest('deadline: before the inspection date', { field: 'deadline' });
    if (rec.remediated_on && rec.remediated_on < rec.date) throw badRequest('remediated_on: before the inspection date', { field: 'remediated_on' });
    for (const field of ['date', 'remediated_on'] as const) {
      const future = rec[field] ? futureDateProblem(rec[field]) : null;
      if (future) throw badRequest(`${field}: ${future}`, { field });
    }
    return { inspection_id: id, ...(await write(req, 'inspection', rec, { reason, expected_version: create ? 0 : expected_version })) };
  };
  app.post('/api/v1/safety/inspections', {
    preHandler: writer,
    schema: { summary: 'record a new inspection (writing role); 409 when the id exists', tags, security, querystring: { type: 'object', properties: cityQ }, body: { type: 'object' } },
  }, async (req, reply) => reply.code(201).send(await putInspection(true)(req)));
  // photos of inspections, stored once by content hash (an inspection's `photos` names them by sha256)
  const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
  app.addContentTypeParser(PHOTO_TYPES, { parseAs: 'buffer', bodyLimit: 10 << 20 }, (_req, body, done) => done(null, body));
  app.post('/api/v1/safety/photos', {
    preHandler: writer, bodyLimit: 10 << 20,
    schema: { summary: `store an inspection photo (${PHOTO_TYPES.join(', ')}, ≤ 10 MB; writing role): its sha256 names it`, tags, security, querystring: { type: 'object', properties: cityQ } },
  }, async (req, reply) => {
    const body = req.body as Buffer;
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!Buffer.isBuffer(body) || !PHOTO_TYPES.includes(type)) throw badRequest(`a photo is sent as the raw body with content-type ${PHOTO_TYPES.join(', ')}`);
    if (!body.length) throw badRequest('empty photo');
    const city = await cityOf(req);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const stored = (await ctx.store.execute('INSERT INTO safety_photos (city_id, sha256, media_type, bytes, actor) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [city, sha256, type, body, actorOf(opts, req)])) > 0;
    return reply.code(stored ? 201 : 200).send({ sha256, bytes: body.length, media_type: type, url: `/api/v1/safety/photos/${sha256}`, stored });
  });
  app.get('/api/v1/safety/photos/:sha256', {
    schema: { summary: 'an inspection photo by its sha256 (the inspections collection\'s readers: staff)', tags, security, params: { type: 'object', properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } }, required: ['sha256'] }, querystring: { type: 'object', properties: cityQ } },
  }, async (req, reply) => {
    // a photo is read as its inspection is: by the city's staff (a content hash is no secret: it is in every export)
    requireRead(req, INSPECTIONS_POLICY, reply);
    const city = await cityOf(req);
    const sha = (req.params as { sha256: string }).sha256;
    const r = (await ctx.store.query<{ media_type: string; b: string }>(`SELECT media_type, encode(bytes, 'base64') AS b FROM safety_photos WHERE city_id = $1 AND sha256 = $2`, [city, sha]))[0];
    if (!r) throw notFound(`no photo ${sha}`);
    return reply.type(r.media_type).header('cache-control', 'private, max-age=31536000, immutable').header('etag', `"${sha}"`).send(Buffer.from(r.b, 'base64'));
  });

  app.put('/api/v1/safety/inspections/:id', {
    preHandler: writer,
    schema: { summary: 'update an inspection: a new version, the old one kept (writing role)', tags, security, params: idP, querystring: { type: 'object', properties: cityQ }, body: { type: 'object' } },
  }, putInspection(false));
}
