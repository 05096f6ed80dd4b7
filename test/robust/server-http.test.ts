/**
 * Issue 8 §5 and §10 over real HTTP: a bounded queue with a fast 503 + Retry-After on the embedded
 * store under 200 connections; links from the configured public base URL (else the listening
 * address), never from a hostile Host; decimal-only limit; CORS on writes only for listed origins.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { openStore, type Store } from '../../src/store/driver.js';
import { DRIVERS } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';

/** a raw request: any Host header, any header (fetch forbids setting Host) */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { method, headers }, (r) => {
      let body = '';
      r.on('data', (d) => (body += d));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

let store: Store;
beforeAll(async () => { store = await cityStore(await DRIVERS[0].fresh(), { access: false }); });
afterAll(async () => { await store.close(); });

describe('HTTP limits of the server (embedded store)', { timeout: 400_000 }, () => {
  it('200 connections at once: some wait, the rest get a fast 503 with Retry-After, none hang, all end', async () => {
    // the store is closed for the child process to hold it, and opened again after
    const db = store.location;
    await store.close();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'serve-child.ts'), db, JSON.stringify({ admission: { light: { active: 4, queue: 20, waitMs: 3000 } } })], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const address = await new Promise<string>((res, rej) => {
        let out = '';
        child.stdout!.on('data', (d) => { out += d; const m = /listening (\S+)/.exec(out); if (m) res(m[1]); });
        child.on('exit', (c) => rej(new Error(`server exited ${c}`)));
      });
      const url = `${address}/collections/buildings/items?bbox=116.3,39.9,116.4,40.1&limit=100`;
      const results = await Promise.all(Array.from({ length: 200 }, async () => raw(url, { connection: 'close' })));
      const ok = results.filter((r) => r.status === 200);
      const busy = results.filter((r) => r.status === 503);
      expect(ok.length + busy.length).toBe(200);
      expect(ok.length).toBeGreaterThanOrEqual(24);
      expect(busy.length).toBeGreaterThan(0);
      for (const b of busy) {
        expect(b.headers['retry-after']).toBe('1');
        expect(JSON.parse(b.body).description).toMatch(/busy.*retry in a moment/);
      }
      // the server is not left behind: a request after the burst is answered
      expect((await raw(url)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      store = await openStore(db);
    }
  });

  it('links: the public base URL, else the listening address; never a hostile Host; Host and X-Forwarded-* checked against the base', async () => {
    const plain = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [] });
    try {
      const r = await raw(`${plain.address}/collections/buildings/items?limit=2`, { host: 'evil.com' });
      expect(r.status).toBe(200);
      expect(r.body).not.toContain('evil.com');
      expect(JSON.parse(r.body).links[0].href.startsWith(`${plain.address}/collections/buildings/items?`)).toBe(true);
      const x = await raw(`${plain.address}/collections`, { 'x-forwarded-host': 'evil.com', 'x-forwarded-proto': 'https' });
      expect(x.body).not.toContain('evil.com');
    } finally {
      await plain.close();
    }
    const s = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [], baseUrl: 'https://cim.example.org/city/' });
    try {
      const ok = await raw(`${s.address}/collections?f=json`, { host: 'cim.example.org', 'x-forwarded-host': 'cim.example.org', 'x-forwarded-proto': 'https' });
      expect(ok.status).toBe(200);
      const links = JSON.parse(ok.body).links as { href: string }[];
      expect(links[0].href).toBe('https://cim.example.org/city/collections?f=json');
      // the listening address is accepted too (local checks), with the base's links
      const local = await raw(`${s.address}/?f=json`);
      expect(local.status).toBe(200);
      expect(JSON.parse(local.body).links[0].href).toBe('https://cim.example.org/city/?f=json');
      for (const h of [{ host: 'evil.com' }, { host: 'cim.example.org.evil.com' }, { host: 'cim.example.org', 'x-forwarded-host': 'evil.com' }, { host: 'cim.example.org', 'x-forwarded-proto': 'http' }]) {
        const bad = await raw(`${s.address}/collections`, h);
        expect(bad.status, JSON.stringify(h)).toBe(421);
        expect(JSON.parse(bad.body).description).toContain('cim.example.org');
        expect(bad.body).not.toMatch(/"href"/);
      }
    } finally {
      await s.close();
    }
    await expect(startServer(store, { port: 0, host: '127.0.0.1' }, { baseUrl: 'ftp://x' })).rejects.toThrow(/http:\/\/ or https:\/\//);
  });

  it('limit and offset: decimal integers only', async () => {
    const s = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [] });
    try {
      for (const v of ['0x10', '1e3', '1.0', '+5', ' 5', '0b11', '1_000']) {
        const r = await raw(`${s.address}/collections/buildings/items?limit=${encodeURIComponent(v)}`);
        expect(r.status, v).toBe(400);
      }
      const o = await raw(`${s.address}/collections/buildings/items?offset=0x2`);
      expect(o.status).toBe(400);
      const good = await raw(`${s.address}/collections/buildings/items?limit=16&offset=2`);
      expect(good.status).toBe(200);
      expect(JSON.parse(good.body).numberReturned).toBe(16);
    } finally {
      await s.close();
    }
  });

  it('CORS: reads for everyone with "*", writes and their preflights only for listed origins', async () => {
    const open = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [] });
    try {
      const get = await raw(`${open.address}/collections`, { origin: 'https://anyone.example' });
      expect(get.headers['access-control-allow-origin']).toBe('*');
      const pre = await raw(`${open.address}/api/v1/admin/cache/clear`, { origin: 'https://anyone.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const post = await raw(`${open.address}/api/v1/admin/cache/clear`, { origin: 'https://anyone.example' }, 'POST');
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await open.close();
    }
    const listed = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [], cors: ['https://city.example'] });
    try {
      const pre = await raw(`${listed.address}/api/v1/admin/cache/clear`, { origin: 'https://city.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
      expect(pre.headers['access-control-allow-origin']).toBe('https://city.example');
      expect(String(pre.headers['access-control-allow-methods'])).toContain('POST');
      const other = await raw(`${listed.address}/api/v1/admin/cache/clear`, { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const read = await raw(`${listed.address}/collections`, { origin: 'https://evil.example' });
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await listed.close();
    }
  });
});
