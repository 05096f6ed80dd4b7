import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { addPrincipal, ROLES } from '../../src/store/principals.js';
import { BIN, runCli } from '../helpers/cli.js';
import { DRIVERS } from '../helpers/stores.js';

/** People and roles through the real CLI (`opencim users`) and a real server (`opencim serve`), on both drivers. */

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}

async function serve(db: string, env: Record<string, string> = {}): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port)], { env: { ...process.env, DATABASE_URL: undefined, ...env } });
  let err = '';
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`serve did not start: ${err}`)), 60_000);
    proc.stderr!.on('data', (d) => { err += d; if (err.includes('viewer')) { clearTimeout(t); res(); } });
    proc.on('exit', (c) => { clearTimeout(t); rej(new Error(`serve exited ${c}: ${err}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}`, proc,
    stop: () => new Promise<void>((res) => { proc.removeAllListeners('exit'); proc.once('exit', () => res()); proc.kill('SIGTERM'); }),
  };
}

const addUser = async (db: string, name: string, role: string) => {
  const r = await runCli(['users', 'add', name, '--role', role, '--db', db, '--json'], { env: { OPENCIM_ACTOR: 'test-admin' } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { name: string; roles: string[]; token: string; created_by: string };
};

for (const driver of DRIVERS) {
  describe(`principals on ${driver.name}`, () => {
    let db: string;
    let s: Awaited<ReturnType<typeof serve>>;
    const tok: Record<string, string> = {};
    let listed: { code: number | null; stdout: string; stderr: string };
    beforeAll(async () => {
      db = await driver.fresh({ migrated: true });
      const store = await openStore(db);
      await store.query(`INSERT INTO cities (city_id, name) VALUES ('t', 'T')`);
      // two through the module (each CLI start costs seconds on PGlite), two through the real CLI
      for (const [n, r] of [['carol', 'editor'], ['root', 'admin']] as const) tok[n] = (await addPrincipal(store, { name: n, roles: [r], createdBy: 'test-admin' })).token;
      // every role the code knows is one the store accepts (the check constraint once lacked citizen)
      await addPrincipal(store, { name: 'everyone', roles: [...ROLES], createdBy: 'test-admin' });
      await store.close();
      for (const [n, r] of [['alice', 'editor'], ['bob', 'viewer,inspector']]) tok[n] = (await addUser(db, n, r)).token;
      const rv = await runCli(['users', 'revoke', 'carol', '--db', db, '--actor', 'ops']);
      expect(rv.code, rv.stderr).toBe(0);
      listed = await runCli(['users', 'list', '--db', db, '--json']);
      // (PGlite is one process's folder: the CLI writes before the server opens it)
      s = await serve(db, { OPENCIM_TOKENS: 'ci-token-0123456789abcdef:editor,old-read-token-0123456:read' });
    }, 300_000);
    afterAll(async () => { await s?.stop(); });

    const patch = (auth?: string, name = 'x') => fetch(`${s.url}/api/v1/cities/t`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify({ name }),
    });

    it('the store keeps only the hash; users list shows roles, who added and who revoked', async () => {
      const r = listed;
      expect(r.code, r.stderr).toBe(0);
      const users = JSON.parse(r.stdout).users as { name: string; roles: string[]; created_by: string; revoked_at: string | null; revoked_by: string | null }[];
      expect(users.map((u) => u.name)).toEqual(['alice', 'bob', 'carol', 'everyone', 'root']);
      expect(users.find((u) => u.name === 'bob')!.roles).toEqual(['viewer', 'inspector']);
      expect(users.find((u) => u.name === 'everyone')!.roles).toEqual([...ROLES]);
      expect(users.find((u) => u.name === 'alice')!.created_by).toBe('test-admin');
      const carol = users.find((u) => u.name === 'carol')!;
      expect(carol.revoked_at).not.toBeNull();
      expect(carol.revoked_by).toBe('ops');
      expect(r.stdout).not.toContain(tok.alice);
      expect(tok.alice).not.toBe(tok.carol);
    });

    it('anonymous write 401 with WWW-Authenticate; wrong role 403 naming the role; revoked 401; the right role writes and is recorded', async () => {
      const anon = await patch();
      expect(anon.status).toBe(401);
      expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const unknown = await patch('ocim_not-a-real-token-000000000000');
      expect(unknown.status).toBe(401);
      const bob = await patch(tok.bob);
      expect(bob.status).toBe(403);
      const body = await bob.json() as { description: string };
      expect(body.description).toContain('editor');
      expect(body.description).toContain('bob');
      expect((await patch(tok.carol)).status).toBe(401);
      const ok = await patch(tok.alice, '城市 T');
      expect(ok.status).toBe(200);
      expect((await ok.json() as { updated_by: string }).updated_by).toBe('alice');
      // an admin holds every role; an editor is not an admin
      expect((await fetch(`${s.url}/api/v1/admin/cache/clear`, { method: 'POST', headers: { authorization: `Bearer ${tok.alice}` } })).status).toBe(403);
      const clear = await fetch(`${s.url}/api/v1/admin/cache/clear`, { method: 'POST', headers: { authorization: `Bearer ${tok.root}` } });
      expect(clear.status).toBe(200);
      expect((await clear.json() as { by: string }).by).toBe('root');
      expect((await patch(tok.root, 'by root')).status).toBe(200);
    });

    it('OPENCIM_TOKENS still bootstraps: env:<role>:<n> principals, the old role read is viewer', async () => {
      const ci = await patch('ci-token-0123456789abcdef', 'by ci');
      expect(ci.status).toBe(200);
      expect((await ci.json() as { updated_by: string }).updated_by).toBe('env:editor:1');
      const old = await patch('old-read-token-0123456');
      expect(old.status).toBe(403);
      expect((await old.json() as { description: string }).description).toContain('env:viewer:1');
    });

    if (driver.name === 'postgres') {
      it('a token revoked while the server runs is refused within the cache time', async () => {
        expect((await patch(tok.alice, 'before')).status).toBe(200);
        const rv = await runCli(['users', 'revoke', 'alice', '--db', db]);
        expect(rv.code, rv.stderr).toBe(0);
        await new Promise((r) => setTimeout(r, 2100));
        expect((await patch(tok.alice, 'after')).status).toBe(401);
        const store = await openStore(db);
        try {
          expect((await store.query<{ name: string }>(`SELECT name FROM cities WHERE city_id = 't'`))[0].name).toBe('before');
        } finally {
          await store.close();
        }
      });
    }
  });
}

describe('users: bad input', () => {
  let db: string;
  // (a PostgreSQL database: the subject is the command's errors, and each start on an embedded store costs seconds)
  beforeAll(async () => { db = await DRIVERS[1].fresh({ migrated: true }); });
  it('bad input: unknown role (usage, exit 2), duplicate name (conflict), unknown user (not found): each a clear error, exit 1 by the error module\'s table', async () => {
    const bad = await runCli(['users', 'add', 'dave', '--role', 'editor,wizard', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown role "wizard"');
    expect((await runCli(['users', 'list', '--db', db, '-q'])).stdout).toBe('');
    await addUser(db, 'carol', 'viewer');
    const dup = await runCli(['users', 'add', 'carol', '--role', 'viewer', '--db', db]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('exists already');
    const none = await runCli(['users', 'revoke', 'nobody', '--db', db]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no user "nobody"');
  }, 300_000);
});
