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
  /** server processes sharing the port (node:cluster); PostgreSQL server only */
  processes?: number;
  /** once listening, one JSON line on stdout instead of the banner */
  json?: boolean;
  /** no banner */
  quiet?: boolean;
}

/**
 * `--processes N`: N server processes (node:cluster) share the port, each with its own pools and tile
 * cache, all reading the same store (tiles from its pyramid). The primary only starts them, restarts
 * one that dies, and passes SIGINT/SIGTERM on.
 */
async function primary(o: ServeCommandOptions): Promise<void> {
  const cluster = (await import('node:cluster')).default;
  const n = o.processes!;
  let stopping = false;
  let listening = 0;
  const started = Date.now();
  cluster.on('listening', () => {
    if (++listening === n && !o.quiet && !o.json) process.stderr.write(`opencim serve: ${n} processes listening on ${o.host}:${o.port} (${n} 个服务进程)\n`);
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) {
      if (!Object.keys(cluster.workers ?? {}).length) process.exit(0);
      return;
    }
    // one that fails before the others are up (a port in use, a store that cannot be opened): stop all
    if (listening < n && Date.now() - started < 60_000) {
      stopping = true;
      process.stderr.write(`error: server process ${w.process.pid} exited (${signal ?? code}) while starting: see its message above\n`);
      for (const x of Object.values(cluster.workers ?? {})) x?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (!Object.keys(cluster.workers ?? {}).length) process.exit(1);
      return;
    }
    process.stderr.write(`opencim serve: process ${w.process.pid} exited (${signal ?? code}); starting another (重启服务进程)\n`);
    cluster.fork({ OPENCIM_SERVE_PROCESS: String(n) });
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (let i = 0; i < n; i++) cluster.fork({ OPENCIM_SERVE_PROCESS: String(i + 1) });
}

/** `opencim serve`: the API (OGC API – Features, tiles, /api/v1) and the viewer, until stopped. */
export async function serveCommand(o: ServeCommandOptions): Promise<void> {
  const { openStore, resolveDb, isServerUrl } = await import('../store/driver.js');
  if ((o.processes ?? 1) > 1) {
    const cluster = (await import('node:cluster')).default;
    if (cluster.isPrimary) {
      if (!isServerUrl(resolveDb(o.db))) throw new UsageError('--processes needs a PostgreSQL server (--db postgres://...): an embedded PGlite folder is open in one process at a time');
      return primary(o);
    }
  }
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
  // under --processes, the first process speaks for all
  if ((process.env.OPENCIM_SERVE_PROCESS ?? '1') === '1') {
    if (o.json) {
      process.stdout.write(JSON.stringify({
        url, driver: store.kind, store: store.location, cities, viewer: `${url}/`, ogcapi: `${url}/collections`, openapi: `${url}/api`,
        tiles: `${url}/tiles/{layer}/{z}/{x}/{y}.mvt`, platform: `${url}/api/v1/summary`, public_read: !o.private,
      }) + '\n');
    } else if (!o.quiet) {
      process.stderr.write(`opencim serve: ${store.kind} ${store.location}${cities.length ? ` (cities: ${cities.join(', ')})` : ' (no city yet: run `opencim import FILE`)'}\n` +
        `  viewer      ${url}/\n  OGC API     ${url}/?f=json  ${url}/collections\n  OpenAPI     ${url}/api  (Swagger UI ${url}/api.html)\n` +
        `  tiles       ${url}/tiles/{layer}/{z}/{x}/{y}.mvt\n  platform    ${url}/api/v1/summary\n` +
        `  ${o.private ? 'reads need a bearer token' : 'read-only and public'}; writes need a token with a role (opencim users add, OPENCIM_TOKENS). Ctrl-C stops.\n`);
    }
  }
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
