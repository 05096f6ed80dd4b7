/**
 * The platform's own JSON API under /api/v1: city summary, categories, sources, walking access of
 * a building, isochrones, health check indicators, the community ranking by living-circle
 * completeness, renewal candidates; plus the viewer's config. Read-only and public by default;
 * the few writes need a token with a role (see auth.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CATEGORIES, categoryById } from '../../model/taxonomy.js';
import { cityStats } from '../../store/stats.js';
import type { ServerOptions } from '../config.js';
import type { ServerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { requireRole } from '../auth.js';
import { accessCategories } from '../tiles/mvt.js';
import { tiledLayers } from '../tiles/routes.js';
import { isochroneOf } from './graph.js';
import { LEGENDS } from '../../catalog/legends.js';
import { DEFAULT_CUTOFF_M } from '../../analysis/network/access.js';
import { indicatorResults, renewalCandidates, reportLink } from './health.js';

const cityQ = { city: { type: 'string', maxLength: 128, description: 'city id (default: the only city)' } } as const;
const tags = ['Platform API'];
const NO_ACCESS = '该城市尚无步行可达结果 / no walking access results for this city yet: run `opencim access --db D`';

function cityOf(req: FastifyRequest): string | undefined {
  return (req.query as { city?: string }).city;
}

/** categories whose threshold grades living-circle completeness (fire stations use a service area instead) */
export const LIVING_CIRCLE = CATEGORIES.filter((c) => c.threshold_m > 0).map((c) => c.id);

export async function apiRoutes(app: FastifyInstance, ctx: ServerContext, opts: ServerOptions & { clearTileCache: () => void }) {
  app.get('/api/v1/config', {
    schema: { summary: 'viewer configuration: basemap, the layers the city has, report link', tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const cities = await ctx.cities();
    const reports = Object.fromEntries(cities.map((c) => [c, reportLink(opts.reportDir, c)]));
    const asked = cityOf(req);
    // the layers of the city the viewer shows (asked, else the one it opens: "default", else the first), by the collections' one rule
    const city = asked !== undefined ? await ctx.resolveCity(asked) : cities.includes('default') ? 'default' : cities[0];
    const layers = city === undefined ? [] : await tiledLayers(ctx, req, city);
    return {
    basemap: opts.basemapUrl ? { url: opts.basemapUrl, attribution: opts.basemapAttribution ?? '' } : null,
    attribution: '© OpenStreetMap contributors',
    legends: LEGENDS,
    access_cutoff_m: DEFAULT_CUTOFF_M,
    cities,
    layers: layers.map((c) => ({ id: c.id, title: c.title, title_zh: c.title_zh, kind: c.tile!.kind, minzoom: c.tile!.minzoom, maxzoom: c.tile!.maxzoom })),
    // each city its own report (the viewer's city switcher picks it)
    report: (asked !== undefined ? reports[asked] : reports[cities[0]]) ?? reportLink(opts.reportDir, ''),
    reports,
    };
  });

  app.get('/api/v1/cities', { schema: { summary: 'the cities in the store', tags } }, async () => ({ cities: await ctx.cities() }));

  app.get('/api/v1/categories', { schema: { summary: 'facility categories with their walking thresholds (metres)', tags } }, async () => ({
    categories: CATEGORIES.map((c) => ({ id: c.id, name_zh: c.name_zh, name_en: c.name_en, threshold_m: c.threshold_m, living_circle: LIVING_CIRCLE.includes(c.id) })),
  }));

  app.get('/api/v1/summary', {
    schema: { summary: 'city summary: counts per kind and category, extent, sources, latest access run', tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const city = await ctx.resolveCity(cityOf(req));
    const stats = await ctx.cached(city, 'summary', async () => (await cityStats(ctx.store, city))[0]);
    let access: unknown = null;
    if (await ctx.hasTables(['access_runs'])) {
      const r = await ctx.store.query<Record<string, unknown>>(
        `SELECT run_id, to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS computed_at, categories, params, summary FROM access_runs WHERE city_id = $1 ORDER BY run_id DESC LIMIT 1`, [city]);
      access = r[0] ?? null;
    }
    const ind = await indicatorResults(ctx, city, opts.reportDir).catch(() => null);
    return {
      ...stats, version: await ctx.version(city), access,
      health_check: ind ? { from: ind.from, generated_at: ind.doc.generated_at ?? null, indicators: ind.doc.indicators.length } : null,
    };
  });

  app.get('/api/v1/sources', {
    schema: { summary: 'the data sources of a city and their versions', tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const city = await ctx.resolveCity(cityOf(req));
    const rows = await ctx.store.query(
      `SELECT source_id, path, format, version, generator, sha256, bytes, counts, problems, to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at,
         CASE WHEN bbox IS NULL THEN NULL ELSE ARRAY[ST_XMin(bbox), ST_YMin(bbox), ST_XMax(bbox), ST_YMax(bbox)] END AS bbox
       FROM sources WHERE city_id = $1 ORDER BY source_id`, [city]);
    return { city, sources: rows, attribution: '© OpenStreetMap contributors (ODbL 1.0) for OpenStreetMap sources' };
  });

  app.get('/api/v1/buildings/:id/access', {
    schema: {
      summary: 'walking distance from a residential building to the nearest facility of every category, graded against the thresholds', tags,
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_:.-]+$' } }, required: ['id'] },
      querystring: { type: 'object', properties: cityQ },
    },
  }, async (req) => {
    const city = await ctx.resolveCity(cityOf(req));
    const id = (req.params as { id: string }).id;
    const acc = await accessCategories(ctx, city);
    if (!acc) throw notFound(NO_ACCESS);
    const b = await ctx.store.query<{ id: string; residential: boolean; name: string | null }>('SELECT id, residential, name FROM buildings_current WHERE city_id = $1 AND id = $2', [city, id]);
    if (!b.length) throw notFound(`城市 ${city} 中没有建筑 "${id}" / no building "${id}" in city ${city}`);
    const r = await ctx.store.query<{ status: string; snap_m: number | null; residents: number; distances: (number | null)[]; run_id: number }>(
      'SELECT status, snap_m, residents, distances, run_id FROM access_results_current WHERE city_id = $1 AND building_id = $2', [city, id]);
    if (!r.length) {
      throw notFound(b[0].residential ? `建筑 ${id} 尚无步行可达结果 / building ${id} has no access result (the run may predate its import)` : `建筑 ${id} 不是居住建筑, 只计算居住建筑的步行可达 / building ${id} is not residential: walking access is computed for residential buildings`);
    }
    const row = r[0];
    const run = await ctx.store.query<{ computed_at: string; params: { cutoff_m?: number } | null }>(
      `SELECT to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS computed_at, params FROM access_runs WHERE city_id = $1 AND run_id = $2`, [city, row.run_id]);
    // a category with no facility in the data is a data gap (无数据), not a building beyond the cut-off
    const gaps = acc.gaps;
    return {
      building_id: id, city, run_id: Number(row.run_id), computed_at: run[0]?.computed_at ?? null, params: run[0]?.params ?? null, cutoff_m: run[0]?.params?.cutoff_m ?? DEFAULT_CUTOFF_M,
      status: row.status, snap_m: row.snap_m === null ? null : Number(row.snap_m), residents: Number(row.residents),
      distances: acc.categories.map((c, i) => {
        const cat = categoryById.get(c);
        const d = row.distances[i] === null || row.distances[i] === undefined ? null : Math.round(Number(row.distances[i]));
        const t = cat?.threshold_m ?? 0;
        return {
          category: c, name_zh: cat?.name_zh ?? c, name_en: cat?.name_en ?? c, distance_m: d, threshold_m: t || null,
          within: t > 0 && !gaps.has(c) ? d !== null && d <= t : null, data_gap: gaps.has(c),
        };
      }),
    };
  });

  app.get('/api/v1/isochrone', {
    schema: {
      summary: 'the area reachable on foot from a point within the given minutes (GeoJSON)', tags,
      querystring: {
        type: 'object', required: ['lon', 'lat'],
        properties: {
          ...cityQ,
          lon: { type: 'number', minimum: -180, maximum: 180 }, lat: { type: 'number', minimum: -90, maximum: 90 },
          minutes: { type: 'string', maxLength: 40, pattern: '^\\d{1,2}(\\.\\d+)?(,\\d{1,2}(\\.\\d+)?){0,5}$', default: '5,10,15', description: 'up to 6 values, each 1–60' },
          speed: { type: 'number', minimum: 30, maximum: 120, default: 80, description: 'walking speed, m/min' },
        },
      },
    },
  }, async (req) => {
    const q = req.query as { lon: number; lat: number; minutes: string; speed: number };
    const city = await ctx.resolveCity(cityOf(req));
    const minutes = q.minutes.split(',').map(Number);
    if (minutes.some((m) => !(m >= 1 && m <= 60))) throw badRequest('minutes: 每个值应在 1 到 60 之间 / minutes: each value from 1 to 60');
    if (!(await ctx.hasTables(['walk_edges_versions']))) throw notFound('尚无步行网络 / no walk network');
    const fc = await isochroneOf(ctx, city, q.lon, q.lat, minutes, q.speed);
    if (!fc) throw notFound('该城市尚无步行网络 / this city has no walk network: import OSM data with highways');
    return fc;
  });

  app.get('/api/v1/access/summary', {
    schema: { summary: 'the latest walking access run: share of buildings and residents within 300/500/1000 m per category', tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const city = await ctx.resolveCity(cityOf(req));
    if (!(await ctx.hasTables(['access_runs']))) throw notFound(NO_ACCESS);
    const r = await ctx.store.query<Record<string, unknown>>(
      `SELECT run_id, to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS computed_at, categories, params, summary FROM access_runs WHERE city_id = $1 ORDER BY run_id DESC LIMIT 1`, [city]);
    if (!r.length) throw notFound(NO_ACCESS);
    return r[0];
  });

  app.get('/api/v1/indicators', {
    schema: {
      summary: 'urban health check indicator results, by level and area', tags,
      querystring: {
        type: 'object', properties: {
          ...cityQ,
          level: { type: 'string', enum: ['city', 'district', 'street', 'community', 'housing', 'block'] },
          area: { type: 'string', maxLength: 128 },
          id: { type: 'string', maxLength: 128, description: 'indicator id' },
        },
      },
    },
  }, async (req) => {
    const q = req.query as { level?: string; area?: string; id?: string };
    const city = await ctx.resolveCity(cityOf(req));
    const res = await indicatorResults(ctx, city, opts.reportDir);
    if (!res) throw notFound('尚无城市体检结果 / no health check results yet: run `opencim check --db D --out DIR` (and serve with --report DIR)');
    const list = res.doc.indicators.filter((i) => (!q.level || i.level === q.level) && (!q.area || i.area_id === q.area) && (!q.id || i.id === q.id));
    return { city, from: res.from, generated_at: res.doc.generated_at ?? null, indicators: list };
  });

  app.get('/api/v1/renewal', {
    schema: { summary: 'places proposed for renewal, with the reasons (GeoJSON)', tags, querystring: { type: 'object', properties: cityQ } },
  }, async (req) => {
    const city = await ctx.resolveCity(cityOf(req));
    const r = await renewalCandidates(ctx, city, opts.reportDir);
    if (!r) throw notFound('尚无城市更新候选 / no renewal candidates yet: run `opencim check --db D --out DIR` (and serve with --report DIR)');
    return r.fc;
  });

  app.get('/api/v1/communities/ranking', {
    schema: {
      summary: 'areas ranked by living-circle completeness: the resident-weighted share of categories within their walking threshold', tags,
      querystring: { type: 'object', properties: { ...cityQ, level: { type: 'string', enum: ['community', 'street', 'district'] }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
    },
  }, async (req) => {
    const q = req.query as { level?: string; limit: number };
    const city = await ctx.resolveCity(cityOf(req));
    const acc = await accessCategories(ctx, city);
    if (!acc) throw notFound(NO_ACCESS);
    const ranking = await ctx.cached(city, `ranking:${q.level ?? ''}`, () => completenessRanking(ctx, city, acc.categories, acc.gaps, q.level));
    return { ...ranking, areas: ranking.areas.slice(0, q.limit) };
  });

  // ---- writes (token with a role) ----
  app.patch('/api/v1/cities/:city', {
    preHandler: requireRole(opts, 'editor'),
    schema: {
      summary: 'rename a city (editor role): recorded in the city\'s archive chain as a change set naming who, why, the old and the new name', tags: ['Administration'], security: [{ bearerAuth: [] }],
      params: { type: 'object', properties: { city: { type: 'string', maxLength: 128 } }, required: ['city'] },
      body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, reason: { type: 'string', minLength: 1, maxLength: 500 } } },
    },
  }, async (req) => {
    const city = await ctx.resolveCity((req.params as { city: string }).city);
    const { name, reason } = req.body as { name: string; reason?: string };
    const actor = req.principal!.name;
    const { openChangeset, sealChangeset } = await import('../../store/archive.js');
    const out = await ctx.store.transaction(async (tx) => {
      const [old] = await tx.query<{ name: string | null; updated_at: string | null }>(
        `SELECT name, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at FROM cities WHERE city_id = $1 FOR UPDATE`, [city]);
      // the same name again changes nothing and records nothing
      if (old && old.name === name) return { changeset: null, updated_at: old.updated_at };
      // the old and the new name are kept in the change set's reason, which the chain seals
      const what = `改名 rename: ${JSON.stringify(old?.name ?? null)} → ${JSON.stringify(name)}`;
      const cs = await openChangeset(tx, { cityId: city, actor, reason: reason ? `${reason} (${what})` : what, kind: 'city' });
      const r = await tx.query<{ updated_at: string }>(
        `UPDATE cities SET name = $2, updated_at = now(), updated_by = $3 WHERE city_id = $1 RETURNING to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at`, [city, name, actor]);
      await sealChangeset(tx, cs);
      return { changeset: cs.id, updated_at: r[0]?.updated_at ?? null };
    });
    ctx.invalidate();
    return { city_id: city, name, updated_by: actor, ...out, changed: out.changeset !== null };
  });

  app.post('/api/v1/admin/cache/clear', {
    preHandler: requireRole(opts, 'admin'),
    schema: { summary: 'drop the server caches (admin role)', tags: ['Administration'], security: [{ bearerAuth: [] }] },
  }, async (req) => {
    ctx.invalidate();
    opts.clearTileCache();
    opts.auth?.invalidate();
    req.log.info({ actor: req.principal!.name }, 'caches cleared');
    return { cleared: true, by: req.principal!.name };
  });
}

/**
 * Areas of the finest level present (community, else street, else district), each with the
 * resident-weighted share of living-circle categories within their threshold, from the latest
 * access run (a building belongs to the area containing a point on its surface).
 */
/** categories with no facility in the data (`gaps`) are left out of the completeness, never counted as shortfalls */
async function completenessRanking(ctx: ServerContext, city: string, categories: string[], gaps: Set<string>, level?: string) {
  const levels = await ctx.store.query<{ level: string; n: number }>('SELECT level, count(*)::int AS n FROM admin_areas_current WHERE city_id = $1 GROUP BY level', [city]);
  const have = new Set(levels.map((l) => l.level));
  const lvl = level ?? ['community', 'street', 'district'].find((l) => have.has(l));
  const living = categories.map((c, i) => ({ c, i, t: categoryById.get(c)?.threshold_m ?? 0 })).filter((x) => LIVING_CIRCLE.includes(x.c) && x.t > 0);
  const cats = living.filter((x) => !gaps.has(x.c));
  const data_gaps = living.filter((x) => gaps.has(x.c)).map((x) => x.c);
  const explain = `resident-weighted share of the ${cats.length} living-circle categories within their walking threshold (GB 50180-2018 5/10/15-minute radii), from the latest walking access run; buildings are placed by a point on their surface` +
    (data_gaps.length ? `; left out as data gaps (no facility of the category in the data, not a shortfall): ${data_gaps.join(', ')}` : '');
  if (!lvl || !have.has(lvl)) return { level: lvl ?? null, categories: cats.map((x) => x.c), data_gaps, explain, areas: [] as unknown[], note: 'no administrative areas of this level in the data' };
  const rows = await ctx.store.query<{ area_id: string; name: string | null; residents: number; within: number[] | null; buildings: number }>(
    `WITH a AS (SELECT id, name, geom FROM admin_areas_current WHERE city_id = $1 AND level = $2),
          r AS (SELECT r.residents, r.distances, ST_PointOnSurface(b.geom) AS p FROM access_results_current r JOIN buildings_current b ON b.city_id = r.city_id AND b.id = r.building_id WHERE r.city_id = $1)
     SELECT a.id AS area_id, a.name, sum(r.residents)::float8 AS residents, count(*)::int AS buildings,
       ARRAY[${cats.map((x) => `sum(CASE WHEN r.distances[${x.i + 1}] <= ${x.t} THEN r.residents ELSE 0 END)::float8`).join(', ') || 'NULL::float8'}] AS within
     FROM a JOIN r ON ST_Intersects(a.geom, r.p) GROUP BY a.id, a.name`, [city, lvl]);
  const areas = rows.map((r) => {
    const res = Number(r.residents) || 0;
    const shares = cats.map((x, k) => ({ category: x.c, share: res > 0 ? Number(r.within?.[k] ?? 0) / res : 0 }));
    const completeness = shares.length ? shares.reduce((s, x) => s + x.share, 0) / shares.length : 0;
    return { area_id: r.area_id, name: r.name, residents: Math.round(res), buildings: Number(r.buildings), completeness: Math.round(completeness * 1000) / 1000, shares };
  }).sort((a, b) => b.completeness - a.completeness);
  return { level: lvl, categories: cats.map((x) => x.c), data_gaps, explain, areas };
}
