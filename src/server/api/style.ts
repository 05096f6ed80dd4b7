/**
 * GET /styles/city.json: the city's MapLibre style document, built from the catalog's style
 * (src/catalog/style.ts → src/catalog/maplibre.ts) over the layers the store holds. The viewer
 * renders it; QGIS, MapLibre apps and other clients can load it as it is.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildStyle } from '../../catalog/maplibre.js';
import { STYLE } from '../../catalog/style.js';
import type { ServerOptions } from '../config.js';
import type { ServerContext } from '../context.js';
import { baseUrl } from '../ogc/routes.js';
import { TILED } from '../tiles/routes.js';

export async function styleRoutes(app: FastifyInstance, ctx: ServerContext, opts: ServerOptions): Promise<void> {
  app.get('/styles/city.json', {
    schema: {
      summary: "the city's MapLibre style document (the viewer's layers, colours and legends)", tags: ['Vector tiles'],
      querystring: { type: 'object', properties: { city: { type: 'string', maxLength: 128 } } },
    },
  }, async (req: FastifyRequest) => {
    const city = (req.query as { city?: string }).city;
    if (city !== undefined) await ctx.resolveCity(city);
    const q = city ? `?city=${encodeURIComponent(city)}` : '';
    const available = new Set<string>();
    for (const c of TILED) if (await ctx.hasTables(c.requires)) available.add(c.id);
    const base = baseUrl(req);
    const style = buildStyle({
      tileUrl: (id) => `${base}/tiles/${id}.json${q}`,
      basemap: opts.basemapUrl ? { url: opts.basemapUrl, attribution: opts.basemapAttribution ?? '' } : null,
      mode: STYLE.buildings.modes[0], available,
    });
    return { ...style, name: `OpenCIM ${city ?? ''}`.trim(), metadata: { 'opencim:attribution': '© OpenStreetMap contributors' } };
  });
}
