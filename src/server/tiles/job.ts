/** The tile pyramid as a job (`tiles.build`): after an import or an analysis run, tiles cut once for the new data version. */
import { z } from 'zod';
import { defineJob } from '../../jobs/contract.js';
import { PYRAMID_LAYERS } from './pyramid.js';

export const tilesBuildJob = defineJob({
  kind: 'tiles.build',
  description: '瓦片金字塔 / the vector tile pyramid of a city at its current data version, stored in the database and served from there',
  params: z.object({
    city: z.string().min(1).max(128).optional(),
    layers: z.array(z.enum(PYRAMID_LAYERS)).min(1).optional(),
    minzoom: z.number().int().min(0).max(20).optional(),
    maxzoom: z.number().int().min(0).max(20).optional(),
    force: z.boolean().optional(),
  }).strict().refine((p) => p.minzoom === undefined || p.maxzoom === undefined || p.minzoom <= p.maxzoom, { message: 'minzoom must not exceed maxzoom', path: ['minzoom'] }),
  timeoutSeconds: 6 * 3600,
  retries: 1,
  async run(ctx, p) {
    const { buildPyramid } = await import('./pyramid.js');
    let last = 0;
    const r = await buildPyramid(ctx.store, {
      ...p, actor: ctx.actor, jobId: String(ctx.jobId), signal: ctx.signal,
      onProgress: (done, total, msg) => {
        ctx.progress(total ? done / total : 1, msg);
        if (Date.now() - last > 5000) { last = Date.now(); ctx.log(`${done}/${total} ${msg}`); }
      },
    });
    const { coverage: _c, ...summary } = r;
    return summary;
  },
});

export const tilesRefreshJob = defineJob({
  kind: 'tiles.refresh',
  description: '刷新瓦片金字塔 / rebuild the tile pyramids whose data version is out of date (after an import or an analysis run), every 10 minutes',
  params: z.object({}).strict(),
  schedule: '*/10 * * * *',
  timeoutSeconds: 6 * 3600,
  retries: 0,
  async run(ctx) {
    const { refreshPyramids } = await import('./pyramid.js');
    const r = await refreshPyramids(ctx.store, {
      actor: ctx.actor, jobId: String(ctx.jobId), signal: ctx.signal,
      onProgress: (done, total, msg) => ctx.progress(total ? done / total : 0, msg),
    });
    return { rebuilt: r };
  },
});
