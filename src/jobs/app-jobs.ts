/** The use cases of src/app/ as jobs: the worker calls the same functions as the CLI and the server. */
import { z } from 'zod';
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
