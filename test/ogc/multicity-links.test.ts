/**
 * A store with several cities: every link the OGC pages generate (JSON and HTML) keeps the city
 * the request named (beneath /cities/{city}/, or with its ?city=), so walking them never meets the
 * "several cities" 400; the root's landing page links to each city and its data link works (the
 * collections of every city as {city}:{id}), so GDAL opens the root; an error asked for as HTML is
 * a page that links to the cities.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { buildServer, type Server } from '../../src/server/app.js';
import { importSources } from '../../src/store/import.js';
import type { Store } from '../../src/store/driver.js';
import { dataFile, DRIVERS } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';

const run = promisify(execFile);
const gdalEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', GDAL_HTTP_TIMEOUT: '60' };

/** the same-origin links of a JSON document (every `href` at any depth) or of an HTML page (`href="..."`) */
function linksOf(text: string, type: string, origin: string): string[] {
  const out: string[] = [];
  if (type.includes('html')) {
    for (const m of text.matchAll(/href="([^"]+)"/g)) out.push(m[1].replace(/&amp;/g, '&'));
  } else {
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (k === 'href' && typeof x === 'string') out.push(x); else walk(x); }
    };
    try { walk(JSON.parse(text)); } catch { /* not JSON */ }
  }
  return out.map((h) => new URL(h, origin).toString()).filter((h) => h.startsWith(origin));
}

/** links that are the same for every city (the viewer, the API documentation, the list of cities) */
const global = (u: URL) => u.pathname === '/' && !u.search || ['/api.html', '/api', '/cities', '/favicon.svg'].includes(u.pathname) || u.pathname.startsWith('/api-docs');

describe(`a store with several cities: links keep the city (${DRIVERS[0].name})`, () => {
  let store: Store;
  let s: Server;
  let origin: string;
  const count = new Map<string, number>();
  beforeAll(async () => {
    store = await cityStore(await DRIVERS[0].fresh(), { file: 'beijing-haidian-cau.osm.pbf', city: 'haidian', access: false });
    await importSources(store, 'bupt', [await openSource(dataFile('beijing-bupt.osm.pbf'), { workers: 0 })], { actor: 'test' });
    for (const r of await store.query<{ city_id: string; n: number }>('SELECT city_id, count(*)::int AS n FROM buildings_current GROUP BY city_id')) count.set(r.city_id, Number(r.n));
    s = await buildServer(store, { tokens: [] });
    origin = (await s.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  });
  afterAll(async () => { await s?.app.close(); await store?.close(); });

  /** walk the links from `start` (JSON and HTML) up to `max` pages: every one answers, none drops the city */
  async function walk(start: string[], city: string, max = 120): Promise<Set<string>> {
    const seen = new Set<string>();
    const queue = [...start];
    while (queue.length && seen.size < max) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const r = await fetch(url, { headers: { accept: url.includes('f=html') ? 'text/html' : 'application/json' } });
      expect(r.status, url).toBeLessThan(300);
      const type = r.headers.get('content-type') ?? '';
      if (!/json|html/.test(type)) continue;
      for (const h of linksOf(await r.text(), type, origin)) {
        const u = new URL(h);
        if (global(u) || u.pathname.endsWith('.mvt')) continue;
        // beneath the city's own API, or at the root with its ?city=
        const keeps = u.pathname.startsWith(`/cities/${city}/`) || u.searchParams.get('city') === city;
        expect(keeps, `${h} (linked from ${url})`).toBe(true);
        if (!seen.has(h) && !/\{[a-z]+\}/.test(decodeURIComponent(h))) queue.push(h);
      }
    }
    return seen;
  }

  it('from /collections?city= and /cities/{city}/collections, JSON and HTML: every link answers and keeps the city', async () => {
    const viaQuery = await walk([`${origin}/collections?city=bupt`, `${origin}/collections?city=bupt&f=html`, `${origin}/?city=bupt&f=json`, `${origin}/?city=bupt&f=html`], 'bupt');
    const viaPath = await walk([`${origin}/cities/bupt/collections?f=json`, `${origin}/cities/bupt/collections?f=html`, `${origin}/cities/bupt/?f=html`], 'bupt');
    for (const seen of [viaQuery, viaPath]) {
      // the walk reached the items pages and the features' own pages, in both forms
      expect([...seen].some((u) => /\/collections\/buildings\/items\?.*f=html/.test(u))).toBe(true);
      expect([...seen].some((u) => /\/collections\/buildings\/items\/[^/?]+\?.*f=html/.test(u))).toBe(true);
      expect([...seen].some((u) => /\/collections\/buildings\/queryables/.test(u))).toBe(true);
    }
    const cols = await (await fetch(`${origin}/collections?city=bupt`)).json();
    expect(cols.links.find((l: { rel: string }) => l.rel === 'self').href).toBe(`${origin}/collections?f=json&city=bupt`);
    const page = await (await fetch(`${origin}/cities/bupt/collections/buildings/items?f=html&limit=3`)).text();
    expect(page).toContain(`href="${origin}/cities/bupt/collections/buildings/items/`);
    expect(page).toContain(`href="${origin}/cities/bupt/collections?f=html"`);
  });

  it('the root landing page links to each city, and its data link lists every city\'s collections ({city}:{id}), each beneath its city', async () => {
    const land = await (await fetch(`${origin}/?f=json`)).json();
    const data = land.links.find((l: { rel: string }) => l.rel === 'data').href;
    expect(land.links.filter((l: { rel: string }) => l.rel === 'child').map((l: { href: string }) => l.href)).toEqual(expect.arrayContaining([`${origin}/cities/haidian/`, `${origin}/cities/bupt/`]));
    const r = await fetch(data);
    expect(r.status).toBe(200);
    const doc = await r.json();
    const ids = doc.collections.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['haidian:buildings', 'bupt:buildings', 'bupt:facilities']));
    for (const c of doc.collections) {
      const city = c.id.split(':')[0];
      for (const l of c.links) expect(l.href.startsWith(`${origin}/cities/${city}/`), l.href).toBe(true);
    }
    // a qualified id is a collection of the root too
    const one = await (await fetch(`${origin}/collections/bupt:buildings`)).json();
    expect(one.id).toBe('bupt:buildings');
    const items = await (await fetch(`${origin}/collections/bupt:buildings/items?limit=1`)).json();
    expect(items.numberMatched).toBe(count.get('bupt'));
    expect((await fetch(`${origin}/collections/bupt:buildings/items?city=haidian`)).status).toBe(400);
    expect((await fetch(`${origin}/collections/nowhere:buildings`)).status).toBe(404);
    // the walk from the root stays within each city's links
    await walk([`${origin}/collections/bupt:buildings?f=json`], 'bupt', 40);
  });

  it('a request that must name a city: the error links to the cities; as a page for a browser', async () => {
    const r = await fetch(`${origin}/collections/buildings/items`);
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.description).toMatch(/^库中有多个城市/);
    expect(body.cities.map((c: { href: string }) => c.href)).toEqual(expect.arrayContaining(['/cities/haidian/', '/cities/bupt/']));
    const page = await fetch(`${origin}/collections/buildings/items?f=html`);
    expect([page.status, page.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
    const html = await page.text();
    expect(html).toContain('库中有多个城市');
    expect(html).toContain('href="/cities/bupt/?f=html"');
    const browser = await fetch(`${origin}/tiles`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(browser.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('GDAL opens the root of the store (every city\'s layers) and the root with ?city= (that city\'s)', async () => {
    const layers = (out: string) => new Map([...out.matchAll(/Layer name: (\S+)\n[\s\S]*?Feature Count: (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    const root = await run('ogrinfo', ['-ro', '-so', '-al', `OAPIF:${origin}/`], { env: gdalEnv, maxBuffer: 64 * 1024 * 1024 });
    expect(root.stderr).not.toMatch(/^(ERROR|FAILURE)/m);
    const all = layers(root.stdout);
    expect(all.get('haidian:buildings')).toBe(count.get('haidian'));
    expect(all.get('bupt:buildings')).toBe(count.get('bupt'));
    const one = await run('ogrinfo', ['-ro', '-so', '-al', `OAPIF:${origin}/?city=bupt`], { env: gdalEnv, maxBuffer: 64 * 1024 * 1024 });
    expect(one.stderr).not.toMatch(/^(ERROR|FAILURE)/m);
    expect(layers(one.stdout).get('buildings')).toBe(count.get('bupt'));
  });
});
