import { UsageError } from '../model/errors.js';

export interface ServeCommandOptions {
  db?: string;
  port: number;
  host: string;
  cors?: string;
  private?: boolean;
  tiles?: 'app' | 'postgis' | 'auto';
  tileCache?: number;
  basemap?: string;
  basemapAttribution?: string;
  report?: string;
  log?: boolean;
  baseUrl?: string;
  statementTimeout?: number;
}

/** `opencim serve`: the API (OGC API – Features, tiles, /api/v1) and the viewer, until stopped. */
export async function serveCommand(o: ServeCommandOptions): Promise<void> {
  const { openStore, resolveDb, isServerUrl } = await import('../store/driver.js');
  const { startServer } = await import('../server/app.js');
  const { tokensFromEnv, parseBaseUrl } = await import('../server/config.js');
  const base = o.baseUrl ?? process.env.OPENCIM_BASE_URL;
  let baseUrl: string | undefined;
  try {
    baseUrl = base ? parseBaseUrl(base) : undefined;
  } catch (e) {
    throw new UsageError(`--base-url / OPENCIM_BASE_URL: ${(e as Error).message}`);
  }
  let tokens;
  try {
    tokens = tokensFromEnv(process.env.OPENCIM_TOKENS);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const cors = o.cors === undefined || o.cors === '*' ? '*' : o.cors === 'off' ? false : o.cors.split(',').map((s) => s.trim()).filter(Boolean);
  const store = await openStore(o.db);
  if (o.private && !tokens.length && !(await (await import('../store/principals.js')).activePrincipals(store))) {
    await store.close();
    throw new UsageError('--private needs someone who can sign in (无可登录用户): `opencim users add NAME --role viewer`, or OPENCIM_TOKENS="token:role,..." (tokens of 16+ characters)');
  }
  let server;
  try {
    server = await startServer(store, { port: o.port, host: o.host }, {
      publicRead: !o.private, tokens, cors, tileEngine: o.tiles ?? 'auto', tileCacheSize: o.tileCache,
      pgUrl: isServerUrl(resolveDb(o.db)) ? resolveDb(o.db) : undefined,
      baseUrl, statementTimeoutMs: o.statementTimeout,
      basemapUrl: o.basemap, basemapAttribution: o.basemapAttribution, reportDir: o.report, logger: o.log ?? false,
    });
  } catch (e) {
    await store.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${o.port} on ${o.host} is in use: choose another with --port`);
    throw e;
  }
  const url = baseUrl ?? `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
  const cities = await server.ctx.cities();
  process.stderr.write(`opencim serve: ${store.kind} ${store.location}${cities.length ? ` (cities: ${cities.join(', ')})` : ' (no city yet: run `opencim import FILE`)'}\n` +
    `  viewer      ${url}/\n  OGC API     ${url}/?f=json  ${url}/collections\n  OpenAPI     ${url}/api  (Swagger UI ${url}/api.html)\n` +
    `  tiles       ${url}/tiles/{layer}/{z}/{x}/{y}.mvt\n  platform    ${url}/api/v1/summary\n` +
    `  ${o.private ? 'reads need a bearer token' : 'read-only and public'}; writes need a token with a role (opencim users add, OPENCIM_TOKENS). Ctrl-C stops.\n`);
  // PGlite has no queue and no workers: this process runs the scheduled jobs when they are due
  let scheduler: { stop: () => Promise<void> } | null = null;
  if (store.kind === 'pglite') {
    const s = Number(process.env.OPENCIM_SCHEDULER_S);
    scheduler = (await import('../jobs/in-process.js')).startScheduler(store, {
      intervalMs: s > 0 ? s * 1000 : 60_000, log: (m) => process.stderr.write(`opencim serve: ${m}\n`),
    });
  }
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await scheduler?.stop().catch(() => {});
    await server.close().catch(() => {});
    await store.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
