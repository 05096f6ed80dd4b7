/**
 * Issue 8 §3–4 on the PostgreSQL driver: a server that survives its database (terminated
 * backends, idle or busy), an import whose backend is terminated, statement timeouts, cancellation
 * when a client goes away, and a separate budget so that heavy CQL2 queries never starve the light
 * ones.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { pgReader } from '../../src/server/hot.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, DRIVERS } from '../helpers/stores.js';
import { cityStore, CITY } from '../server/fixture.js';
import { freePort, startCli } from './proc.js';

const server = DRIVERS[1];
const dbName = (url: string) => new URL(url).pathname.slice(1);

/** end every session on the database but ours */
async function terminateAll(url: string, where = ''): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ${where}`, [dbName(url)]);
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

/** a 330-vertex polygon (a circle) around the data, as in the trial */
function circle(cx: number, cy: number, r: number, n = 330): string {
  const pts: string[] = [];
  for (let i = 0; i <= n; i++) {
    const a = (2 * Math.PI * (i % n)) / n;
    pts.push(`${(cx + r * Math.cos(a)).toFixed(6)} ${(cy + r * 0.8 * Math.sin(a)).toFixed(6)}`);
  }
  return `POLYGON((${pts.join(',')}))`;
}
export const HEAVY = (cx: number, cy: number) => `S_INTERSECTS(geometry, ${circle(cx, cy, 0.004)})`;

describe('the server and its database (PostgreSQL)', { timeout: 400_000 }, () => {
  it('pg_terminate_backend on idle and busy pooled connections: `opencim serve` stays up and answers', async () => {
    const db = await server.fresh();
    (await cityStore(db, { access: false })).close();
    const port = await freePort();
    const serve = startCli(['serve', '--db', db, '--port', String(port)]);
    try {
      await serve.waitFor(/Ctrl-C stops/);
      const base = `http://127.0.0.1:${port}`;
      const urls = [`${base}/collections/buildings/items?limit=5`, `${base}/collections/buildings/items?bbox=116.3,39.9,116.4,40.1&limit=100`,
        `${base}/api/v1/summary`, `${base}/collections/buildings/items?filter=${encodeURIComponent("name IS NOT NULL")}`, `${base}/tiles/buildings/15/26976/12406.mvt`];
      for (const u of urls) expect((await fetch(u)).status, u).toBeLessThan(500);
      // idle connections of every pool (store, light, heavy) die
      expect(await terminateAll(db)).toBeGreaterThan(2);
      await new Promise((r) => setTimeout(r, 300));
      expect(serve.child.exitCode).toBeNull();
      for (const u of urls) expect((await fetch(u)).status, u).toBeLessThan(500);
      // busy: requests in flight while their backends are terminated, several rounds (a backend terminated just after
      // its client connected once ended the process: ReadyForQuery and the FATAL error came in one read)
      for (let round = 0; round < 8; round++) {
        const inflight = Promise.all(Array.from({ length: 30 }, (_, i) => fetch(urls[i % urls.length]).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.text() }))));
        await new Promise((r) => setTimeout(r, 20 + 10 * round));
        await terminateAll(db);
        for (const r of await inflight) {
          expect([200, 304, 503].includes(r.status) || r.status < 500, r.body).toBe(true);
          if (r.status === 503) { expect(r.retry).toBe('1'); expect(r.body).toContain('connection to the database was lost'); }
        }
        expect(serve.child.exitCode).toBeNull();
      }
      expect(serve.child.exitCode).toBeNull();
      for (const u of urls) expect((await fetch(u)).status, u).toBeLessThan(500);
      expect(serve.err()).not.toMatch(/Unhandled|ServerError|    at /);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('an import whose backend is terminated: one clear line, exit 1, the store unchanged', async () => {
    const db = await server.fresh();
    expect((await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', db, '--city', 'a', '-q'])).code).toBe(0);
    const before = JSON.parse((await runCli(['stats', '--db', db, '--json'])).stdout).cities;
    const imp = startCli(['import', dataFile('shanghai-bund-lujiazui-nextzen.geojson'), '--db', db, '--city', 'b']);
    await imp.waitFor(/B \/ \d/);
    await new Promise((r) => setTimeout(r, 300));
    expect(await terminateAll(db)).toBeGreaterThan(0);
    expect(await imp.exited).toBe(1);
    const lines = imp.err().trim().split('\n').filter((l) => l.startsWith('error'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/error: the connection to the database server postgres:\/\/.* was lost .*nothing of it was written/);
    expect(imp.err()).not.toMatch(/^\s+at /m);
    expect(JSON.parse((await runCli(['stats', '--db', db, '--json'])).stdout).cities).toEqual(before);
  });

  it('plans: generic plans only for the prepared fixed-shape reads; ad-hoc statements are planned for their values', async () => {
    const db = await server.fresh();
    const r = await pgReader(db, { statementTimeoutMs: 1234 });
    try {
      expect(await r.query('SHOW plan_cache_mode', [], { prepare: true })).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
      expect(await r.query('SHOW plan_cache_mode', [])).toEqual([{ plan_cache_mode: 'auto' }]);
      expect(await r.query('SHOW statement_timeout', [])).toEqual([{ statement_timeout: '1234ms' }]);
    } finally {
      await r.close();
    }
  });

  it('8 heavy CQL2 requests held up in the database: light requests still answer, heavy ones end with 504/503 saying why; a client that leaves cancels its query', async () => {
    const db = await server.fresh();
    const store = await cityStore(db, { access: false });
    const s = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [], pgUrl: db, statementTimeoutMs: 1500, admission: { heavy: { waitMs: 2500 } } });
    const base = s.address;
    const ext = (await store.query<{ x: number; y: number }>('SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_Centroid(ST_Extent(geom)) AS c FROM buildings_current) e'))[0];
    const heavyUrl = `${base}/collections/buildings/items?limit=100&filter=${encodeURIComponent(HEAVY(ext.x, ext.y))}`;
    expect((await fetch(heavyUrl)).status).toBe(200);
    // hold every query on buildings in the database: what a 50 s generic plan did to the trial
    const locker = new pg.Client({ connectionString: db });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE buildings_versions IN ACCESS EXCLUSIVE MODE');
    try {
      const heavy = Array.from({ length: 8 }, () => fetch(heavyUrl).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.json() as { code: string; description: string } })));
      await new Promise((r) => setTimeout(r, 200));
      // light requests (another table, the API) answer meanwhile: their connections are not the heavy ones'
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${base}/collections/facilities/items?bbox=${ext.x - 0.01},${ext.y - 0.01},${ext.x + 0.01},${ext.y + 0.01}&limit=100`);
        expect(r.status).toBe(200);
      }
      const out = await Promise.all(heavy);
      for (const r of out) {
        expect([503, 504]).toContain(r.status);
        if (r.status === 504) { expect(r.body.code).toBe('QueryTimeout'); expect(r.body.description).toContain('statement timeout of 1.5 s'); }
        if (r.status === 503) { expect(r.retry).toBe('1'); expect(r.body.description).toContain('busy'); }
      }
      expect(out.filter((r) => r.status === 504).length).toBeGreaterThanOrEqual(2);
      // a client that goes away: its query leaves the database at once, long before the timeout
      const ac = new AbortController();
      const gone = fetch(heavyUrl, { signal: ac.signal }).catch(() => null);
      const waiting = async () => Number((await locker.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%ST_Intersects%'`, [dbName(db)])).rows[0].n);
      for (let i = 0; i < 50 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await waiting()).toBe(1);
      ac.abort();
      await gone;
      await new Promise((r) => setTimeout(r, 300));
      expect(await waiting()).toBe(0);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await fetch(heavyUrl)).status).toBe(200);
    await s.close();
    await store.close();
    void CITY;
  });
});
