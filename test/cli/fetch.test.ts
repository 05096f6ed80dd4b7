import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

/** A local stand-in for an Overpass endpoint: real HTTP, serving a real extract. */
describe('opencim fetch', () => {
  const osm = readFileSync(dataFile('beijing-haidian-cau.osm'));
  const queries: string[] = [];
  let mode: 'ok' | 'error' | 'html' | 'cut' = 'ok';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      queries.push(decodeURIComponent(new URLSearchParams(body).get('data') ?? ''));
      if (mode === 'error') { res.writeHead(429, { 'content-type': 'text/html' }); res.end('<html><body>Too many requests</body></html>'); return; }
      if (mode === 'html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>maintenance</html>'); return; }
      res.writeHead(200, { 'content-type': 'application/osm3s+xml' });
      if (mode === 'cut') { res.write(osm.subarray(0, 1000)); res.destroy(); return; }
      res.end(osm);
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/interpreter`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads the box as OSM XML, atomically, with the attribution', async () => {
    const dir = tempDir('fetch-');
    const out = join(dir, 'area.osm');
    mode = 'ok';
    const r = await runCli(['fetch', '--bbox', '116.35,39.99,116.37,40.01', '--out', out, '--url', url, '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(osm)).toBe(true);
    expect(r.stdout).toMatch(/© OpenStreetMap contributors/);
    expect(queries.at(-1)).toContain('node(39.99,116.35,40.01,116.37)');
  });

  it('fails clearly and leaves no file on HTTP errors, non-OSM answers and cut connections', async () => {
    for (const m of ['error', 'html', 'cut'] as const) {
      const dir = tempDir('fetch-');
      const out = join(dir, 'area.osm');
      mode = m;
      const r = await runCli(['fetch', '--bbox', '116.35,39.99,116.37,40.01', '--out', out, '--url', url, '-q']);
      expect(r.code, m).not.toBe(0);
      expect(r.stderr, m).toMatch(m === 'error' ? /HTTP 429.*Too many requests/ : m === 'html' ? /did not return OSM XML/ : /error:/);
      expect(existsSync(out), m).toBe(false);
      expect(readdirSync(dir), m).toEqual([]);
    }
  });

  it('rejects a malformed or huge bbox with a usage error', async () => {
    for (const bbox of ['1,2,3', '116.4,39.9,116.3,40', 'a,b,c,d', '100,20,110,30']) {
      const r = await runCli(['fetch', '--bbox', bbox, '--out', '/tmp/never.osm', '--url', url]);
      expect(r.code, bbox).toBe(2);
      expect(r.stderr, bbox).toMatch(/--bbox/);
    }
  });
});
