/**
 * The OpenCIM server (Fastify): OGC API – Features (+ CQL2), vector tiles, the platform API under
 * /api/v1, the OpenAPI document at /api (Swagger UI at /api.html) and the viewer at /.
 *
 *   /                  viewer for browsers; the OGC landing page for ?f=json / Accept: application/json (?f=html: as HTML)
 *   /conformance /collections /collections/{id}[/items[/{featureId}]|/queryables]
 *   /tiles /tiles/{layer}.json /tiles/{layer}/{z}/{x}/{y}.mvt
 *   /api  /api.html  /api/v1/...  /report/... (the health check's output folder, with --report)
 *   /cities            the cities; /cities/{city}/ is one city's own OGC API (landing page, /api, and all the above
 *                      from /conformance to /tiles beneath it; no ?city= needed)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Store } from '../store/driver.js';
import { apiRoutes } from './api/routes.js';
import { archiveRoutes } from './api/archive.js';
import { styleRoutes } from './api/style.js';
import { Authenticator, principalOf } from './auth.js';
import { HTTP_CODE, HTTP_STATUS, OpenCimError } from '../model/errors.js';
import { parseBaseUrl, type ServerOptions, tokensFromEnv } from './config.js';
import { ServerContext } from './context.js';
import { databaseHttpError, errorBody, HttpError, isClientDataError, unauthorized, withChineseGloss, withChineseLead } from './errors.js';
import { Gate, requestClass, requestSignal, watchClient } from './admission.js';
import { isConnectionLost } from '../store/pg-driver.js';
import { errorHtml, landingHtml } from './ogc/html.js';
import { apiBase, baseUrl, CITY_PREFIX, cityParam, format, landingDoc, ogcRoutes, prefersHtml } from './ogc/routes.js';
import { OPENAPI_TYPE, openApiFor } from './ogc/openapi.js';
import { tileRoutes } from './tiles/routes.js';
import { pgReader } from './hot.js';

/** dist/web, from the sources (tests) and from dist/ alike */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export interface Server {
  app: FastifyInstance; ctx: ServerContext; options: ServerOptions;
  /** tiles answered by the tile lane (tiles/routes.ts) */
  tileLane: { count: number };
}

/** headers every response carries */
const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'SAMEORIGIN' };

export async function buildServer(store: Store, options: ServerOptions = {}): Promise<Server> {
  const opts: ServerOptions = {
    publicRead: true, cors: '*', tileEngine: 'auto', tileCacheSize: 2000, versionTtlMs: 2000, countCap: 10_000,
    ...options,
    tokens: options.tokens ?? tokensFromEnv(process.env.OPENCIM_TOKENS),
  };
  opts.auth = new Authenticator(store, opts.tokens!, opts.principalTtlMs ?? 2000);
  const base = opts.baseUrl ?? process.env.OPENCIM_BASE_URL;
  const publicBase = base ? parseBaseUrl(base) : undefined;
  const timeoutMs = opts.statementTimeoutMs ?? 5000;
  const server = store.kind === 'postgres';
  const gates = {
    light: new Gate('tile/page', { active: server ? 32 : 8, queue: server ? 256 : 64, waitMs: 5000, ...opts.admission?.light }),
    heavy: new Gate('filter (CQL2)', { active: server ? 2 : 1, queue: 16, waitMs: 5000, ...opts.admission?.heavy }),
  };
  const read = opts.pgUrl && server ? await pgReader(opts.pgUrl, { light: 8, heavy: gates.heavy.limits.active, statementTimeoutMs: timeoutMs }) : undefined;
  const ctx = new ServerContext(store, opts.versionTtlMs, read);
  // the tile lane (tiles/routes.ts) answers cached tiles before the framework, when set
  let lane: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = Fastify({
    serverFactory: (handler) => createServer((req, res) => { if (!lane?.(req, res)) handler(req, res); }),
    logger: opts.logger ?? false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 300, caseSensitive: true },
    ajv: { customOptions: { coerceTypes: true, allErrors: false } },
  });

  app.decorateRequest('principal', undefined);
  // every documented operation has an operationId (OpenAPI clients and code generators name their calls by it):
  // derived from the method and the path unless the route names its own
  app.addHook('onRoute', (route) => {
    if (typeof route.method !== 'string' || route.method === 'HEAD' || (route.schema as { hide?: boolean } | undefined)?.hide) return;
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.operationId === undefined) route.schema = { ...schema, operationId: operationIdOf(route.method, route.url) };
  });
  app.addHook('onClose', async () => { await ctx.read.close(); });
  app.decorate('publicBase', publicBase);

  // ---- who may be asked (Host / X-Forwarded-*), and admission: a bounded queue per class ----
  app.addHook('onRequest', async (req, reply) => {
    if (publicBase) checkHost(req, publicBase);
    let release: (() => void) | undefined;
    const watch = watchClient(req, reply, () => release?.());
    const cls = req.method === 'OPTIONS' ? null : requestClass(req);
    if (!cls) return;
    release = await gates[cls].enter(() => requestSignal(req)!);
    if (watch.closed) release();
    // let the other requests already received take their place in the queue first: PGlite answers a
    // request within one turn of the event loop, so without this the queue would never be seen
    await new Promise((r) => setImmediate(r));
  });

  // ---- errors: OGC exception documents (an HTML page for a browser that asked for one); no internals in 500s ----
  // every message in Chinese first or beside it (errors.ts); every 401 says how to authenticate
  const sendError = (req: FastifyRequest, reply: FastifyReply, status: number, code: string, description: string, details: Record<string, unknown> = {}) => {
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="opencim"');
    if (prefersHtml(req)) {
      const cities = Array.isArray(details.cities) ? (details.cities as { id: string; href: string }[]) : [];
      return reply.code(status).type('text/html; charset=utf-8').send(errorHtml(status, code, description,
        cities.map((c) => ({ href: `${c.href}?f=html`, rel: 'child', title: `城市 ${c.id} / city ${c.id}` }))));
    }
    return reply.code(status).type('application/json').send(errorBody(status, code, description, details));
  };
  app.setErrorHandler((err: FastifyError | HttpError | Error, req, reply) => {
    const db = err instanceof HttpError ? null : databaseHttpError(err, timeoutMs, isConnectionLost);
    if (db) err = db;
    if (err instanceof HttpError) {
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
      return sendError(req, reply, err.status, err.code, withChineseGloss(err.status, err.message), err.details);
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'request';
      const first = fe.validation[0];
      const param = first?.instancePath ? first.instancePath.replace(/^\//, '') : (first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? '';
      const allowed = (first?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
      // a path segment that names nothing (unknown collection or layer, a tile row that is not a number): no such resource
      if (where === 'params') {
        return sendError(req, reply, 404, 'NotFound', withChineseLead(404, `no resource at ${req.url.split('?')[0].slice(0, 200)}${allowed ? ` (${param}: one of ${allowed.join(', ')})` : param ? ` (${param} ${first?.message ?? ''})` : ''}`, ['没有该资源', 'not found']));
      }
      // (ajv says "must be equal to one of the allowed values": name them)
      const why = `${first?.message ?? fe.message}${allowed ? ` (${allowed.join(', ')})` : ''}`;
      return sendError(req, reply, 400, 'InvalidParameterValue', withChineseLead(400, `${where}${param ? ` parameter ${param}` : ''}: ${why}`, ['参数无效', 'invalid parameter']));
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(req, reply, fe.statusCode, fe.code ?? 'BadRequest', withChineseLead(fe.statusCode, fe.message));
    }
    if (err instanceof OpenCimError && err.kind !== 'integrity') {
      // the one error module says what the failure is; its table says the status (a conflict 409, bad input 400, ...)
      if (err.kind === 'unavailable') reply.header('retry-after', '1');
      return sendError(req, reply, HTTP_STATUS[err.kind], HTTP_CODE[err.kind], withChineseGloss(HTTP_STATUS[err.kind], err.message));
    }
    if (isClientDataError(err)) {
      return sendError(req, reply, 400, 'InvalidParameterValue', `请求中的值与数据不符 / a value in the request is not valid for the data: ${(err as Error).message.slice(0, 200)}`);
    }
    req.log.error(err);
    if (!opts.logger) process.stderr.write(`opencim serve: ${req.method} ${req.url.slice(0, 200)}: ${(err as Error).stack ?? err}\n`);
    return sendError(req, reply, 500, 'ServerError', '服务器内部错误 / internal error (see the server log)');
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(req, reply, 404, 'NotFound', `没有该资源 / no resource at ${req.method} ${req.url.split('?')[0].slice(0, 200)} (see /api for the API)`);
  });

  // ---- security headers, read access ----
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
  if (opts.cors !== false) {
    const cors = (await import('@fastify/cors')).default;
    const listed = Array.isArray(opts.cors) ? opts.cors : false;
    const common = { allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match'], exposedHeaders: ['ETag'], maxAge: 600 };
    const reads = { ...common, origin: listed || '*', methods: ['GET', 'HEAD', 'OPTIONS'] };
    // writes (and their preflights) are cross-origin only for the configured origins, never for '*'
    const writes = { ...common, origin: listed, methods: ['GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'DELETE'] };
    await app.register(cors, {
      delegator: (req: FastifyRequest, cb: (e: Error | null, o: unknown) => void) => {
        const m = req.method === 'OPTIONS' ? String(req.headers['access-control-request-method'] ?? 'GET').toUpperCase() : req.method;
        cb(null, m === 'GET' || m === 'HEAD' ? reads : writes);
      },
    } as never);
  }
  // a client that adds its own ?city= to every URL (GDAL's `OAPIF:http://host/?city=c`) names the city twice
  // on the links that already carry it: the same city twice is the city
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const q = req.query as Record<string, unknown> | undefined;
    if (q && Array.isArray(q.city) && q.city.length > 1 && q.city.every((c) => c === (q.city as unknown[])[0])) q.city = q.city[0];
  });

  // who is asking, resolved once per request (after CORS, so that a browser can read a 401): read
  // policies (collections' `read`) and writes use it; a bearer token presented but unknown or revoked is
  // a 401 on every endpoint (auth.ts), never an anonymous read
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'OPTIONS') return;
    // (the header here too: the Open311 routes answer errors in their own shape)
    const p = await principalOf(opts, req).catch((e: unknown) => { if (e instanceof HttpError && e.status === 401) reply.header('www-authenticate', 'Bearer realm="opencim"'); throw e; });
    if (!p && !opts.publicRead) throw unauthorized('需要有效令牌 / this server needs a valid bearer token (publicRead is off)');
  });

  const compress = (await import('@fastify/compress')).default;
  // level 1: GeoJSON pages still shrink ~5×, at a fraction of the CPU of the default level
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip', 'deflate'], zlibOptions: { level: 1 } });

  const swagger = (await import('@fastify/swagger')).default;
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'OpenCIM API', version: '0.1.0',
        description: 'OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 CQL2 text filters), Mapbox vector tiles, and the OpenCIM platform API. 城市信息模型开放接口.',
        license: { name: 'Apache-2.0' },
      },
      tags: [
        { name: 'OGC API – Features', description: 'collections of the city model and analysis results' },
        { name: 'Vector tiles', description: 'MVT per layer, TileJSON 3.0' },
        { name: 'Platform API', description: 'city summary, walking access, isochrones, health check' },
        { name: 'Administration', description: 'writes: a bearer token with a role' },
      ],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  const swaggerUi = (await import('@fastify/swagger-ui')).default;
  await app.register(swaggerUi, { routePrefix: '/api-docs', uiConfig: { docExpansion: 'list', deepLinking: false }, validatorUrl: null } as never);

  // ---- routes ----
  await ogcRoutes(app, ctx, { countCap: opts.countCap! });
  const tiles = await tileRoutes(app, ctx, { engine: opts.tileEngine!, cacheSize: opts.tileCacheSize! });
  // the lane skips the hooks that could change a public read's answer: so only when none would (no
  // Host check, reads public, CORS for all or none, no request log)
  if (!publicBase && opts.publicRead && (opts.cors === '*' || opts.cors === false) && !opts.logger) {
    lane = tiles.lane({ ...SECURITY_HEADERS, ...(opts.cors === '*' ? { 'access-control-allow-origin': '*' } : {}) });
  }
  await apiRoutes(app, ctx, { ...opts, clearTileCache: tiles.clearCache });
  await archiveRoutes(app, ctx);
  await styleRoutes(app, ctx, opts);
  await (await import('../domains/safety/routes.js')).safetyRoutes(app, ctx, opts);
  await (await import('./open311/routes.js')).open311Routes(app, ctx, store);
  await (await import('../domains/operations/routes.js')).operationsRoutes(app, ctx, store, opts);

  app.get('/api', { schema: { hide: true } }, async (req, reply) => {
    if ((req.query as { f?: string }).f === 'html') return reply.redirect('/api.html');
    // exactly this media type, unquoted and without parameters added (GDAL 3.6 compares it literally)
    const doc = openApiFor(app.swagger() as never, baseUrl(req));
    return reply.header('content-type', OPENAPI_TYPE).send(Buffer.from(JSON.stringify(doc)));
  });
  app.get('/api.html', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/api-docs/'));

  // ---- the viewer ----
  const webRoot = resolve(opts.webRoot ?? DEFAULT_WEB_ROOT);
  const indexFile = join(webRoot, 'index.html');
  let indexCache: { mtime: number; html: string } | null = null;
  const viewerHtml = (): string | null => {
    if (!existsSync(indexFile)) return null;
    const m = statSync(indexFile).mtimeMs;
    if (!indexCache || indexCache.mtime !== m) indexCache = { mtime: m, html: readFileSync(indexFile, 'utf8') };
    return indexCache.html;
  };
  app.get('/', {
    schema: {
      summary: 'the landing page (OGC API – Features): links to the API definition, the conformance classes, the collections and the tiles; a browser (Accept: text/html, no ?f=) gets the 3D viewer',
      tags: ['OGC API – Features'],
      querystring: {
        type: 'object',
        properties: {
          f: { type: 'string', enum: ['json', 'html'], description: 'json: the landing page document; html: the same as a page (default: by Accept; a browser gets the viewer)' },
          city: { type: 'string', maxLength: 128, description: 'city id: the links keep it (a store with several cities; else each city is its own API at /cities/{city}/)' },
        },
      },
    },
  }, async (req, reply) => {
    const q = req.query as { f?: string };
    const accept = String(req.headers.accept ?? '');
    const browser = q.f === undefined && accept.includes('text/html');
    if (browser) {
      const html = viewerHtml();
      reply.header('cache-control', 'no-cache');
      if (html) return reply.type('text/html; charset=utf-8').send(html);
      return reply.type('text/html; charset=utf-8').send(landingHtml({
        ...(await landingDoc(req, ctx)), description: 'The viewer is not built (run `npm run build:web`); the API is here. 地图尚未构建.',
      }));
    }
    const doc = await landingDoc(req, ctx);
    if (format(req) === 'html') return reply.type('text/html; charset=utf-8').send(landingHtml(doc));
    return reply.type('application/json').send(doc);
  });
  // ---- each city its own OGC API: /cities/{city}/ (the landing page), its API definition, the list ----
  const cityLanding = async (req: FastifyRequest, reply: FastifyReply) => {
    const doc = await landingDoc(req, ctx);
    if (format(req) === 'html') return reply.type('text/html; charset=utf-8').send(landingHtml(doc));
    return reply.type('application/json').send(doc);
  };
  const landingQuery = { type: 'object', properties: { f: { type: 'string', enum: ['json', 'html'] } }, additionalProperties: false };
  app.get(`${CITY_PREFIX}/`, { schema: { hide: true, querystring: landingQuery } }, cityLanding);
  app.get(CITY_PREFIX, { schema: { hide: true, querystring: landingQuery } }, cityLanding);
  app.get(`${CITY_PREFIX}/api`, { schema: { hide: true } }, async (req, reply) => {
    await ctx.resolveCity(cityParam(req));
    // the city's OGC API and tiles, its paths below its landing page (no ?city= there)
    const doc = openApiFor(app.swagger() as never, apiBase(req), (p) => p === '/' || p === '/conformance' || p.startsWith('/collections') || p.startsWith('/tiles'));
    return reply.header('content-type', OPENAPI_TYPE).send(Buffer.from(JSON.stringify(doc)));
  });
  app.get('/cities', { schema: { summary: 'the cities of the store, each its own OGC API landing page', tags: ['OGC API – Features'] } }, async (req) => {
    const origin = baseUrl(req);
    return {
      cities: (await ctx.cities()).map((id) => ({
        id,
        links: [{ href: `${origin}/cities/${encodeURIComponent(id)}/`, rel: 'child', type: 'application/json', title: `OGC API of ${id}` }],
      })),
      links: [{ href: `${origin}/cities`, rel: 'self', type: 'application/json', title: 'this document' }],
    };
  });

  if (existsSync(join(webRoot, 'assets'))) {
    const fstatic = (await import('@fastify/static')).default;
    await app.register(fstatic, { root: join(webRoot, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d', index: false, dotfiles: 'deny' });
    if (opts.reportDir && existsSync(opts.reportDir)) {
      await app.register(fstatic, { root: resolve(opts.reportDir), prefix: '/report/', decorateReply: false, index: false, dotfiles: 'deny', maxAge: 0 });
    }
  } else if (opts.reportDir && existsSync(opts.reportDir)) {
    const fstatic = (await import('@fastify/static')).default;
    await app.register(fstatic, { root: resolve(opts.reportDir), prefix: '/report/', index: false, dotfiles: 'deny', maxAge: 0 });
  }
  for (const f of ['favicon.svg']) {
    app.get(`/${f}`, { schema: { hide: true } }, async (_req, reply) => {
      const p = join(webRoot, f);
      if (!existsSync(p)) return reply.code(404).send();
      return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(readFileSync(p));
    });
  }

  await app.ready();
  return { app, ctx, options: opts, tileLane: tiles.served };
}

/** `GET /collections/:collectionId/items` → `getCollectionsByCollectionIdItems`; `/` → `getLandingPage` */
export function operationIdOf(method: string, url: string): string {
  const camel = (w: string) => w.replace(/[^A-Za-z0-9]+([A-Za-z0-9]?)/g, (_, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase());
  const parts = url.split('/').filter(Boolean).map((seg) => (seg.startsWith(':') ? `By${camel(seg.slice(1))}` : camel(seg)));
  return method.toLowerCase() + (parts.length ? parts.join('') : 'LandingPage');
}

/**
 * With a public base URL: the Host a client asked for must be the base's (or the address the
 * server listens on, for local checks), and X-Forwarded-Host/-Proto, when a proxy sets them, the
 * base's too. Anything else is another site's name pointed at this server (DNS rebinding, cache
 * poisoning): 421.
 */
function checkHost(req: FastifyRequest, publicBase: string): void {
  const b = new URL(publicBase);
  const host = String(req.headers.host ?? '').toLowerCase();
  const local = req.socket?.localAddress ? `${req.socket.localAddress.replace(/^::ffff:/, '')}:${req.socket.localPort}` : null;
  const localNames = local ? [local, `localhost:${req.socket.localPort}`, `[${req.socket.localAddress}]:${req.socket.localPort}`] : [];
  if (host !== b.host.toLowerCase() && !localNames.includes(host)) {
    throw new HttpError(421, 'MisdirectedRequest', `this server answers for ${b.host}, not for the Host "${host.slice(0, 100)}" (public base URL ${publicBase})`);
  }
  const fh = req.headers['x-forwarded-host'];
  if (fh !== undefined && String(fh).toLowerCase() !== b.host.toLowerCase()) {
    throw new HttpError(421, 'MisdirectedRequest', `X-Forwarded-Host "${String(fh).slice(0, 100)}" is not this server's ${b.host} (public base URL ${publicBase})`);
  }
  const fp = req.headers['x-forwarded-proto'];
  if (fp !== undefined && `${String(fp).toLowerCase()}:` !== b.protocol) {
    throw new HttpError(421, 'MisdirectedRequest', `X-Forwarded-Proto "${String(fp).slice(0, 20)}" is not this server's ${b.protocol.replace(':', '')} (public base URL ${publicBase})`);
  }
}

/** Open the store, build the server and listen; returns the address and a close function. */
export async function startServer(store: Store, listen: { port: number; host: string }, options: ServerOptions = {}) {
  const s = await buildServer(store, options);
  const address = await s.app.listen({ port: listen.port, host: listen.host });
  return { ...s, address, close: () => s.app.close() };
}
