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
import { TILED, tiledLayers } from '../tiles/routes.js';
import { parseArchiveTime } from '../../store/archive.js';
import { badRequest } from '../errors.js';

export async function styleRoutes(app: FastifyInstance, ctx: ServerContext, opts: ServerOptions): Promise<void> {
  app.get('/styles/city.json', {
    schema: {
      summary: "the city's MapLibre style document (the viewer's layers, colours and legends)", tags: ['Vector tiles'],
      querystring: { type: 'object', properties: { city: { type: 'string', maxLength: 128 }, as_of: { type: 'string', maxLength: 40, description: 'the city as it was then (the versioned layers)' } } },
    },
  }, async (req: FastifyRequest) => {
    const { city, as_of } = req.query as { city?: string; as_of?: string };
    // the city asked for, else the one the viewer opens ("default", else the first): its layers, by the collections' one rule
    const cities = await ctx.cities();
    const shown = city !== undefined ? await ctx.resolveCity(city) : cities.includes('default') ? 'default' : cities[0];
    let asOf: string | undefined;
    if (as_of) { try { asOf = parseArchiveTime(as_of, 'as_of'); } catch (e) { throw badRequest((e as Error).message); } }
    const available = new Set<string>(shown === undefined ? [] : (await tiledLayers(ctx, req, shown)).map((c) => c.id));
    const versioned = new Set(TILED.filter((c) => c.archive).map((c) => c.id));
    const base = baseUrl(req);
    const query = (id: string) => {
      const q = new URLSearchParams({ ...(city ? { city } : {}), ...(asOf && versioned.has(id) ? { as_of: asOf } : {}) }).toString();
      return q ? `?${q}` : '';
    };
    const style = buildStyle({
      tileUrl: (id) => `${base}/tiles/${id}.json${query(id)}`,
      basemap: opts.basemapUrl ? { url: opts.basemapUrl, attribution: opts.basemapAttribution ?? '' } : null,
      mode: STYLE.buildings.modes[0], available,
    });
    return { ...style, name: `OpenCIM ${city ?? ''}`.trim(), metadata: { 'opencim:attribution': '© OpenStreetMap contributors' } };
  });
}
