/** The use cases of src/app/ as jobs: the worker calls the same functions as the CLI and the server. */
import { z } from 'zod';
import { loadCatalogue } from '../analysis/indicators/catalogue.js';
import { CATEGORIES, categoryById } from '../model/taxonomy.js';
import { defineJob } from './contract.js';

export const accessJob = defineJob({
  kind: 'access',
  description: '步行可达性 / walking access of a city in the store, as a run',
  params: z.object({
    city: z.string().min(1).max(128).optional(),
    categories: z.array(z.string().refine((c) => categoryById.has(c), { message: `not a facility category (known: ${CATEGORIES.map((c) => c.id).join(', ')})` })).min(1).optional(),
    cutoff_m: z.number().positive().optional(),
    snap_limit_m: z.number().nonnegative().optional(),
    polygon_reach_m: z.number().nonnegative().optional(),
    island_max_m: z.number().nonnegative().optional(),
    per_capita_m2: z.number().positive().optional(),
    workers: z.number().int().min(1).max(64).optional(),
  }).strict(),
  timeoutSeconds: 3 * 3600,
  retries: 1,
  commitsOnce: true,
  async run(ctx, p) {
    const { accessRun } = await import('../app/access.js');
    const { resolveCategories } = await import('../analysis/network/access.js');
    const r = await accessRun(ctx.store, {
      city: p.city, actor: ctx.actor, jobId: String(ctx.jobId), categories: resolveCategories(p.categories),
      cutoffM: p.cutoff_m, snapLimitM: p.snap_limit_m, polygonReachM: p.polygon_reach_m, islandMaxM: p.island_max_m, perCapitaM2: p.per_capita_m2,
      workers: p.workers, onProgress: (stage, detail) => ctx.log(`${stage}${detail ? ` ${detail}` : ''}`),
    });
    return { city: r.city, run_id: r.run.run_id, buildings: r.result.origins.count, timings: r.timings };
  },
});

export const checkJob = defineJob({
  kind: 'check',
  description: '城市体检 / the urban health check of a city in the store, as a run (results in the store; `opencim check --db D --out DIR` or the server show them)',
  params: z.object({
    city: z.string().min(1).max(128).optional(),
    catalogue: z.string().regex(/^[\w.-]{1,40}$/, 'a catalogue version, e.g. 2025').default('2025'),
    params: z.record(z.string(), z.unknown()).default({}),
    year: z.number().int().min(1900).max(2200).optional(),
    name: z.string().max(200).optional(),
    per_capita_m2: z.number().positive().optional(),
    cutoff_m: z.number().positive().optional(),
    snap_limit_m: z.number().nonnegative().optional(),
    polygon_reach_m: z.number().nonnegative().optional(),
    workers: z.number().int().min(1).max(64).optional(),
  }).strict().superRefine((p, ctx) => {
    let known: string[];
    try { known = Object.keys(loadCatalogue(p.catalogue).parameters); } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['catalogue'], message: (e as Error).message });
      return;
    }
    for (const k of Object.keys(p.params)) if (!known.includes(k)) ctx.addIssue({ code: 'custom', path: ['params', k], message: `not a parameter of catalogue ${p.catalogue} (known: ${known.join(', ')})` });
  }),
  timeoutSeconds: 3 * 3600,
  retries: 1,
  commitsOnce: true,
  async run(ctx, p) {
    const { checkRun } = await import('../app/check.js');
    const catalogue = loadCatalogue(p.catalogue);
    const overrides: Record<string, unknown> = { ...p.params, ...(p.year !== undefined ? { reference_year: p.year } : {}) };
    const r = await checkRun(ctx.store, {
      city: p.city, actor: ctx.actor, jobId: String(ctx.jobId), catalogue: catalogue.version,
      params: { ...catalogue.parameters, ...overrides } as typeof catalogue.parameters, overrides,
      access: { cutoffM: p.cutoff_m, snapLimitM: p.snap_limit_m, polygonReachM: p.polygon_reach_m, workers: p.workers },
      perCapitaM2: p.per_capita_m2, name: p.name, onProgress: (stage, detail) => ctx.log(`${stage}${detail ? ` ${detail}` : ''}`),
    });
    return { city: r.city, run_id: r.run.run_id, indicators: r.result.results.length, timings: r.timings };
  },
});

export const importJob = defineJob({
  kind: 'import',
  description: '数据导入 / import files into a city of the store: one transaction, one change set of the archive per source (the files must be readable by the worker)',
  params: z.object({
    files: z.array(z.string().min(1).max(4096)).min(1).max(100),
    city: z.string().min(1).max(128).default('default'),
    source: z.string().min(1).max(200).optional(),
    reason: z.string().max(500).optional(),
    crs: z.string().max(40).optional(),
    coords: z.enum(['wgs84', 'gcj02', 'bd09']).optional(),
    encoding: z.string().max(20).optional(),
    map: z.string().max(2000).optional(),
  }).strict().refine((p) => !p.source || p.files.length === 1, { message: 'source names one source: give one file with it', path: ['source'] }),
  timeoutSeconds: 3 * 3600,
  retries: 1,
  commitsOnce: true,
  async run(ctx, p) {
    const { importFiles } = await import('../app/import.js');
    const summaries = await importFiles(ctx.store, p.files, {
      city: p.city, actor: ctx.actor, reason: p.reason ?? `import job ${ctx.jobId}`, jobId: ctx.jobId, sourceId: p.source, crs: p.crs, coords: p.coords, encoding: p.encoding, mapping: p.map,
      onProgress: (e) => ctx.log(`${e.source}: ${e.records} records`),
    });
    return { city: p.city, sources: summaries.map((s) => ({ source_id: s.source_id, changeset: s.changeset, added: s.added, changed: s.changed, unchanged: s.unchanged, removed: s.removed })) };
  },
});
