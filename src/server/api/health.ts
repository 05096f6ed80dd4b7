/**
 * Health check results for the API and the dashboard. The check's output folder follows the
 * contract of DESIGN.md (`indicators.json`, `renewal.geojson`, `report.html`); results in the store
 * are read when the check's tables exist. Either source may be missing: callers get null and say so.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServerContext } from '../context.js';

export interface IndicatorResult {
  id: string; name_zh?: string; name_en?: string; level: string; area_id: string; area_name?: string | null;
  value: number | null; unit?: string; target?: { op: string; value: number } | null; status?: string; source?: string; explain?: string;
}
export interface IndicatorsDoc { city?: string; source?: string; generated_at?: string; parameters?: unknown; indicators: IndicatorResult[] }

/** the tables of `opencim check --db` (migration 003_health_check.sql) */
export const CHECK_TABLES = ['check_runs', 'check_areas', 'indicator_results'];
export const RENEWAL_TABLES = ['check_runs', 'renewal_candidates'];

const fileCache = new Map<string, { mtime: number; value: unknown }>();
function readJsonCached(path: string): unknown {
  const st = statSync(path);
  const hit = fileCache.get(path);
  if (hit && hit.mtime === st.mtimeMs) return hit.value;
  const value = JSON.parse(readFileSync(path, 'utf8'));
  fileCache.set(path, { mtime: st.mtimeMs, value });
  return value;
}

/**
 * A file of a city's health check report under the served report folder: `DIR/<city>/<name>` when
 * the folder holds a report per city (`opencim check --out DIR/<city>` for each), else `DIR/<name>`.
 */
export function reportFile(reportDir: string | undefined, name: string, city?: string): string | null {
  if (!reportDir) return null;
  const dir = resolve(reportDir);
  if (city !== undefined && /^[\w.-]{1,128}$/.test(city) && existsSync(join(dir, city, name))) return join(dir, city, name);
  const p = join(dir, name);
  return existsSync(p) ? p : null;
}

/** the viewer's link to a city's report.html (served under /report/) */
export function reportLink(reportDir: string | undefined, city: string): string | null {
  const f = reportFile(reportDir, 'report.html', city);
  if (!f) return null;
  return f === join(resolve(reportDir!), city, 'report.html') ? `/report/${encodeURIComponent(city)}/report.html` : '/report/report.html';
}

export async function indicatorResults(ctx: ServerContext, city: string, reportDir: string | undefined): Promise<{ doc: IndicatorsDoc; from: string } | null> {
  if (await ctx.hasTables(CHECK_TABLES)) {
    const doc = await ctx.cached(city, 'indicators', async (): Promise<IndicatorsDoc | null> => {
      const run = await ctx.store.query<{ run_id: number; catalogue: string; computed_at: string; params: unknown }>(
        `SELECT run_id, catalogue, params, to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS computed_at FROM check_runs WHERE city_id = $1 ORDER BY run_id DESC LIMIT 1`, [city]);
      if (!run.length) return null;
      const names = new Map<string, { name_zh: string; name_en: string; unit_zh?: string }>();
      try {
        const { loadCatalogue } = await import('../../analysis/indicators/catalogue.js');
        for (const e of loadCatalogue(run[0].catalogue).indicators) names.set(e.id, { name_zh: e.name_zh, name_en: e.name_en, ...(e.unit_zh ? { unit_zh: e.unit_zh } : {}) });
      } catch { /* names stay ids */ }
      const rows = await ctx.store.query<Record<string, unknown>>(
        `SELECT r.indicator_id, r.area_id, a.name AS area_name, r.level, r.system_level, r.value, r.unit, r.target, r.status, r.grade, r.source, r.explain
         FROM indicator_results r JOIN check_areas a ON a.city_id = r.city_id AND a.run_id = r.run_id AND a.area_id = r.area_id
         WHERE r.city_id = $1 AND r.run_id = $2 ORDER BY r.indicator_id, r.area_id`, [city, run[0].run_id]);
      return {
        city, source: `check run ${run[0].run_id}`, generated_at: run[0].computed_at, parameters: run[0].params,
        indicators: rows.map((r) => ({
          id: String(r.indicator_id), ...(names.get(String(r.indicator_id)) ?? {}),
          level: String(r.level), area_id: String(r.area_id), area_name: (r.area_name as string | null) ?? null,
          value: r.value === null || r.value === undefined ? null : Number(r.value), unit: r.unit as string,
          target: (r.target as IndicatorResult['target']) ?? null, status: r.status as string, source: r.source as string, explain: r.explain as string,
        })),
      };
    });
    if (doc) return { doc, from: 'store:indicator_results' };
  }
  const f = reportFile(reportDir, 'indicators.json', city);
  if (f) {
    const doc = readJsonCached(f) as IndicatorsDoc;
    if (doc && Array.isArray(doc.indicators)) return { doc, from: 'file:indicators.json' };
  }
  return null;
}

export async function renewalCandidates(ctx: ServerContext, city: string, reportDir: string | undefined): Promise<{ fc: unknown; from: string } | null> {
  if (await ctx.hasTables(RENEWAL_TABLES)) {
    const rows = await ctx.store.query<{ f: string }>(
      `SELECT json_build_object('type', 'Feature', 'id', t.rank, 'geometry', ST_AsGeoJSON(t.geom, 7)::json, 'properties', to_jsonb(t) - 'geom' - 'city_id')::text AS f
       FROM renewal_candidates t WHERE t.city_id = $1 AND t.run_id = (SELECT max(run_id) FROM check_runs WHERE city_id = $1) ORDER BY t.rank LIMIT 10000`, [city]);
    if (rows.length) return { from: 'store:renewal_candidates', fc: { type: 'FeatureCollection', features: rows.map((r) => JSON.parse(r.f)) } };
  }
  const f = reportFile(reportDir, 'renewal.geojson', city);
  return f ? { fc: readJsonCached(f), from: 'file:renewal.geojson' } : null;
}
