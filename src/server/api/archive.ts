/**
 * The archive and the runs over HTTP (read-only, per the read policy):
 *   GET /api/v1/history/{collection}/{id}   every version with who/when/why and the changed fields
 *   GET /api/v1/changes?since=&until=       added / changed / removed per kind, with ids
 *   GET /api/v1/archive                     the city's chain head and the versioned collections
 *   GET /api/v1/runs?kind=                  the analysis runs (every result names its run)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArchiveError, archiveTables, changes, history, parseArchiveTime, recordKey } from '../../store/archive.js';
import { getRun, listRuns } from '../../store/runs.js';
import type { ServerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { isStaff, requireRead } from '../auth.js';
import { archiveKindFor, collectionOfKind } from '../../catalog/collections.js';

const cityQ = { city: { type: 'string', maxLength: 128, description: 'city id (default: the only city)' } } as const;
const tags = ['Platform API'];
const cityOf = (req: FastifyRequest) => (req.query as { city?: string }).city;
const time = (v: string, what: string) => {
  try { return parseArchiveTime(v, what); } catch (e) { throw badRequest((e as ArchiveError).message); }
};

export async function archiveRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.get('/api/v1/history/:collection/:id', {
    schema: {
      summary: 'every version of a record (the archive): who, when, why, what changed', tags,
      params: { type: 'object', properties: { collection: { type: 'string', maxLength: 64 }, id: { type: 'string', maxLength: 300 } }, required: ['collection', 'id'] },
      querystring: { type: 'object', properties: cityQ },
    },
  }, async (req, reply) => {
    const { collection, id } = req.params as { collection: string; id: string };
    const city = await ctx.resolveCity(cityOf(req));
    const specs = await ctx.cached(city, 'archive-tables', () => archiveTables(ctx.store));
    // a collection id names its records' kind (walk_network: walk_edges)
    const kind = archiveKindFor(collection);
    const spec = specs.find((s) => s.kind === kind);
    if (!spec) throw notFound(`没有该版本化数据集 / no versioned collection "${collection.slice(0, 64)}" (collections: ${specs.map((s) => s.kind).join(', ')})`);
    // the one reading of a record's id (the CLI's too): w123, w123:school or w123|school; an empty first part is refused
    let key: Record<string, string>;
    try { key = recordKey(spec, id); } catch (e) { throw badRequest((e as ArchiveError).message); }
    const policy = collectionOfKind(spec.kind);
    if (policy) requireRead(req, policy, reply);
    let versions = await history(ctx.store, spec, city, key);
    if (!versions.length) throw notFound(`城市 ${city} 中没有记录 ${collection}/${id.slice(0, 64)} / no record ${collection}/${id.slice(0, 64)} in city ${city}`);
    const hidden = policy?.staffOnly && !isStaff(req) ? policy.staffOnly : [];
    if (hidden.length) {
      // personal data (e.g. a reporter's phone) never leaves for the public, in content or in the changed fields
      reply.header('vary', 'Authorization');
      versions = versions.map((v) => ({
        ...v, content: Object.fromEntries(Object.entries(v.content).filter(([f]) => !hidden.includes(f))),
        changed_fields: v.changed_fields.filter((f) => !hidden.includes(f)),
      }));
    }
    return { collection, id, city, versions, ...(hidden.length ? { withheld_fields: hidden } : {}) };
  });

  app.get('/api/v1/changes', {
    schema: {
      summary: 'what changed in the city between two times (added, changed, removed per kind)', tags,
      querystring: { type: 'object', required: ['since'], properties: { ...cityQ, since: { type: 'string', maxLength: 40 }, until: { type: 'string', maxLength: 40 } } },
    },
  }, async (req) => {
    const q = req.query as { since: string; until?: string };
    const city = await ctx.resolveCity(cityOf(req));
    const since = time(q.since, 'since');
    const until = q.until ? time(q.until, 'until') : new Date().toISOString();
    if (since >= until) throw badRequest('since 应早于 until / since must be before until');
    return { city, since, until, kinds: await changes(ctx.store, city, since, until) };
  });

  app.get('/api/v1/archive', {
    schema: { summary: "the city's archive: chain head, change sets, versioned collections", tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const city = await ctx.resolveCity(cityOf(req));
    const head = (await ctx.store.query<{ seq: number; head: string; recorded_at: string; actor: string; reason: string }>(
      `SELECT seq, encode(head, 'hex') AS head, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS recorded_at, actor, reason
       FROM changesets WHERE city_id = $1 AND head IS NOT NULL ORDER BY seq DESC LIMIT 1`, [city]))[0] ?? null;
    const recent = await ctx.store.query(
      `SELECT changeset_id, seq, kind, actor, reason, source_id, counts, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS recorded_at
       FROM changesets WHERE city_id = $1 AND head IS NOT NULL ORDER BY seq DESC LIMIT 50`, [city]);
    return { city, head, changesets: recent, collections: (await archiveTables(ctx.store)).map((s) => ({ id: s.kind, key: s.key })) };
  });

  app.get('/api/v1/runs', {
    schema: {
      summary: 'analysis runs: kind, parameters, data version read, status, actor, times', tags,
      querystring: { type: 'object', properties: { ...cityQ, kind: { type: 'string', maxLength: 40 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
    },
  }, async (req) => {
    const q = req.query as { kind?: string; limit: number };
    const city = await ctx.resolveCity(cityOf(req));
    return { city, runs: await listRuns(ctx.store, { cityId: city, kind: q.kind, limit: q.limit }) };
  });

  app.get('/api/v1/runs/:run', {
    schema: { summary: 'one run', tags, params: { type: 'object', properties: { run: { type: 'integer', minimum: 1 } }, required: ['run'] } },
  }, async (req) => {
    const run = await getRun(ctx.store, (req.params as { run: number }).run);
    if (!run) throw notFound(`没有运行记录 ${(req.params as { run: number }).run} / no such run: ${(req.params as { run: number }).run} (see /api/v1/runs)`);
    return run;
  });
}
