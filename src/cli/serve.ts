import { UsageError } from './output.js';

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
}

/** `opencim serve`: the API (OGC API – Features, tiles, /api/v1) and the viewer, until stopped. */
export async function serveCommand(o: ServeCommandOptions): Promise<void> {
  const { openStore, resolveDb, isServerUrl } = await import('../store/driver.js');
  const { startServer } = await import('../server/app.js');
  const { tokensFromEnv } = await import('../server/config.js');
  let tokens;
  try {
    tokens = tokensFromEnv(process.env.OPENCIM_TOKENS);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (o.private && !tokens.length) throw new UsageError('--private needs tokens: set OPENCIM_TOKENS="token:role,..." (roles read, editor, admin; tokens of 16+ characters)');
  const cors = o.cors === undefined || o.cors === '*' ? '*' : o.cors === 'off' ? false : o.cors.split(',').map((s) => s.trim()).filter(Boolean);
  const store = await openStore(o.db);
  let server;
  try {
    server = await startServer(store, { port: o.port, host: o.host }, {
      publicRead: !o.private, tokens, cors, tileEngine: o.tiles ?? 'auto', tileCacheSize: o.tileCache,
      pgUrl: isServerUrl(resolveDb(o.db)) ? resolveDb(o.db) : undefined,
      basemapUrl: o.basemap, basemapAttribution: o.basemapAttribution, reportDir: o.report, logger: o.log ?? false,
    });
  } catch (e) {
    await store.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${o.port} on ${o.host} is in use: choose another with --port`);
    throw e;
  }
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
  const cities = await server.ctx.cities();
  process.stderr.write(`opencim serve: ${store.kind} ${store.location}${cities.length ? ` (cities: ${cities.join(', ')})` : ' (no city yet: run `opencim import FILE`)'}\n` +
    `  viewer      ${url}/\n  OGC API     ${url}/?f=json  ${url}/collections\n  OpenAPI     ${url}/api  (Swagger UI ${url}/api.html)\n` +
    `  tiles       ${url}/tiles/{layer}/{z}/{x}/{y}.mvt\n  platform    ${url}/api/v1/summary\n` +
    `  ${o.private ? 'reads need a bearer token' : 'read-only and public'}; writes need a token with a role (OPENCIM_TOKENS). Ctrl-C stops.\n`);
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => {});
    await store.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
