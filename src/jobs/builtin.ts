/** Jobs of the platform itself: store maintenance, and a sleeper that tests and operators use to see a queue work. */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJob } from './contract.js';

export const analyzeJob = defineJob({
  kind: 'store.analyze',
  description: '刷新查询统计 / refresh the planner statistics of the store (ANALYZE), nightly',
  params: z.object({ table: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a table name').optional() }).strict(),
  schedule: '0 3 * * *',
  timeoutSeconds: 1800,
  async run(ctx, p) {
    if (p.table) {
      const t = await ctx.store.query<{ relkind: string }>('SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)', [p.table]);
      if (!t.length || !['r', 'p', 'm'].includes(t[0].relkind)) throw new Error(`store.analyze: no table "${p.table}" (a view has no statistics of its own: give its table)`);
    }
    const t0 = Date.now();
    await ctx.store.exec(p.table ? `ANALYZE ${p.table}` : 'ANALYZE');
    return { table: p.table ?? null, ms: Date.now() - t0 };
  },
});

export const sleepJob = defineJob({
  kind: 'noop.sleep',
  description: '等待指定时间 / wait, reporting progress (to try a queue and its workers)',
  params: z.object({ ms: z.number().int().min(0).max(3_600_000), steps: z.number().int().min(1).max(1000).default(10) }).strict(),
  async run(ctx, p) {
    for (let i = 0; i < p.steps; i++) {
      await sleep(p.ms / p.steps, undefined, { signal: ctx.signal });
      ctx.progress((i + 1) / p.steps, `slept ${Math.round(((i + 1) * p.ms) / p.steps)} ms`);
    }
    return { slept_ms: p.ms };
  },
});
