import { createHash } from 'node:crypto';
import { type CollectionSpec, followsModel, MODEL_KINDS } from '../catalog/collections.js';
import type { Store } from '../store/driver.js';
import { badRequest, type HttpError, notFound } from './errors.js';
import { type HotReader, storeReader } from './hot.js';

/** the city a request means: `?city=`, else the only city, else `default` when present; else why not (400/404) */
function pickCity(cities: string[], city: string | undefined): string | HttpError {
  if (city !== undefined) {
    return cities.includes(city) ? city : notFound(`no city "${city.slice(0, 64)}" in the store${cities.length ? ` (cities: ${cities.join(', ')})` : ''}`);
  }
  if (cities.length === 1) return cities[0];
  if (cities.includes('default')) return 'default';
  if (!cities.length) return notFound('the store holds no city yet: run `opencim import FILE` or `opencim demo` first');
  return badRequest(`库中有多个城市, 请用 ?city= 或 /cities/{city}/ 选择 / the store holds several cities (${cities.join(', ')}): choose one with ?city= or /cities/{city}/`,
    { cities: cities.map((c) => ({ id: c, href: `/cities/${encodeURIComponent(c)}/` })) });
}

/** what the data version of a value follows: the city model and the runs, or every write of the city (the archive head) */
export type Basis = 'model' | 'head';

/**
 * What the routes share: the store, the city of a request, the data version (ETag base: the
 * sources' import times, the latest access and health check runs) and small caches keyed by it
 * (exact counts, extents, the walk graph) so that large tables are not counted on every request.
 */
export class ServerContext {
  private versionCache = new Map<string, { at: number; version: string }>();
  /** the archive head per city: moves with every sealed change set (a case, a register entry) and every run */
  private headCache = new Map<string, { at: number; head: Promise<string> }>();
  private citiesCache: { at: number; cities: string[] } | null = null;
  private tableCache: { at: number; tables: Set<string> } | null = null;
  /** values computed once per (city, data version) */
  private memo = new Map<string, { version: string; value: Promise<unknown> }>();

  /** reads on the hot path (tiles, item pages): prepared statements on a server, the store otherwise */
  readonly read: HotReader;

  constructor(readonly store: Store, readonly versionTtlMs = 2000, read?: HotReader) {
    this.read = read ?? storeReader(store);
  }

  async cities(): Promise<string[]> {
    const now = Date.now();
    if (this.citiesCache && now - this.citiesCache.at < this.versionTtlMs) return this.citiesCache.cities;
    const cities = (await this.store.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id')).map((r) => r.city_id);
    this.citiesCache = { at: now, cities };
    return cities;
  }

  /** `?city=`, else the only city, else `default` when present; 400/404 otherwise. */
  async resolveCity(city: string | undefined): Promise<string> {
    const c = pickCity(await this.cities(), city);
    if (typeof c !== 'string') throw c;
    return c;
  }

  /**
   * What `resolveCity`, `hasTables` and `version` would answer now without asking the store (their
   * cached answers, while fresh), or undefined: for work that must not wait (the tile lane).
   */
  peek(city: string | undefined, tables: string[]): { city: string; version: string } | undefined {
    const now = Date.now();
    const fresh = (at: number) => now - at < this.versionTtlMs;
    if (!this.citiesCache || !fresh(this.citiesCache.at) || !this.tableCache || !fresh(this.tableCache.at)) return undefined;
    const c = pickCity(this.citiesCache.cities, city);
    if (typeof c !== 'string' || !tables.every((t) => this.tableCache!.tables.has(t))) return undefined;
    const v = this.versionCache.get(c);
    return v && fresh(v.at) ? { city: c, version: v.version } : undefined;
  }

  /** Tables and views present (the access and health check results appear when their commands ran). */
  async tables(): Promise<Set<string>> {
    const now = Date.now();
    if (this.tableCache && now - this.tableCache.at < this.versionTtlMs) return this.tableCache.tables;
    const rows = await this.store.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`);
    this.tableCache = { at: now, tables: new Set(rows.map((r) => r.name)) };
    return this.tableCache.tables;
  }

  async hasTables(names: string[]): Promise<boolean> {
    const t = await this.tables();
    return names.every((n) => t.has(n));
  }

  /** A short hash that changes whenever the city's data or results change. */
  async version(city: string): Promise<string> {
    const now = Date.now();
    const c = this.versionCache.get(city);
    if (c && now - c.at < this.versionTtlMs) return c.version;
    const t = await this.tables();
    const parts: string[] = [];
    const src = await this.store.query<{ v: string | null }>(
      `SELECT string_agg(source_id || '@' || imported_at::text || '#' || sha256, ',' ORDER BY source_id) AS v FROM sources WHERE city_id = $1`, [city]);
    parts.push(src[0]?.v ?? '');
    if (t.has('changesets')) {
      // only change sets that touched the city model: a citizen's report (a case) does not invalidate the map tiles
      const h = await this.store.query<{ v: unknown }>(
        `SELECT max(seq)::text AS v FROM changesets WHERE city_id = $1 AND (kind = 'migration' OR counts ?| ARRAY[${MODEL_KINDS.map((k) => `'${k}'`).join(', ')}])`, [city]);
      parts.push(`archive:${h[0]?.v ?? ''}`);
    }
    if (t.has('runs')) {
      const r = await this.store.query<{ v: unknown }>(`SELECT max(run_id)::text AS v FROM runs WHERE city_id = $1 AND status = 'succeeded'`, [city]);
      parts.push(`runs:${r[0]?.v ?? ''}`);
    }
    if (t.has('access_runs')) {
      const a = await this.store.query<{ v: unknown }>('SELECT max(run_id) AS v FROM access_runs WHERE city_id = $1', [city]);
      parts.push(`access:${a[0]?.v ?? ''}`);
    }
    for (const [table, col] of [['health_check_runs', 'run_id'], ['check_runs', 'run_id']] as const) {
      if (t.has(table)) {
        const h = await this.store.query<{ v: unknown }>(`SELECT max(${col})::text AS v FROM ${table} WHERE city_id = $1`, [city]).catch(() => [{ v: '' }]);
        parts.push(`${table}:${h[0]?.v ?? ''}`);
      }
    }
    const version = createHash('sha1').update(city + '\n' + parts.join('\n')).digest('hex').slice(0, 16);
    this.versionCache.set(city, { at: now, version });
    return version;
  }

  /**
   * A short hash that changes whenever anything of the city changes: the data version, and every
   * sealed change set (the domains' records too: a case, a safety register entry). Read again after
   * `versionTtlMs` (every process of `serve --processes N` sees another's write within it) or at
   * once after `touch(city)` (this process wrote).
   */
  async head(city: string): Promise<string> {
    const now = Date.now();
    const c = this.headCache.get(city);
    if (c && now - c.at < this.versionTtlMs) return c.head;
    const head = (async () => {
      const version = await this.version(city);
      if (!(await this.hasTables(['changesets']))) return version;
      // the city's last sealed change set: the index (city_id, seq) answers it at once
      const r = await this.store.query<{ v: unknown }>('SELECT max(seq)::text AS v FROM changesets WHERE city_id = $1', [city]);
      return `${version}.${r[0]?.v ?? ''}`;
    })();
    const entry = { at: now, head };
    this.headCache.set(city, entry);
    head.catch(() => { if (this.headCache.get(city) === entry) this.headCache.delete(city); });
    return head;
  }

  /** what a collection's answers (tiles, counts, extent) follow: the data version for the city model and runs, else the head */
  basisOf(spec: Pick<CollectionSpec, 'requires'>): Basis {
    return followsModel(spec) ? 'model' : 'head';
  }

  versionOf(city: string, spec: Pick<CollectionSpec, 'requires'>): Promise<string> {
    return this.basisOf(spec) === 'model' ? this.version(city) : this.head(city);
  }

  /** this process wrote records of the city: its head is read again on the next request */
  touch(city: string): void {
    this.headCache.delete(city);
  }

  /**
   * Does the city have this collection: its tables exist, and (when the collection has a probe) it
   * holds data for the city? The one rule of /collections, /tiles, /api/v1/config and the style;
   * the probe's answer is kept per archive head, so a collection appears with its first record (a
   * case reported, a register imported, a run finished) in every process within `versionTtlMs`.
   */
  async available(spec: CollectionSpec, city: string): Promise<boolean> {
    if (!spec.properties.length || !(await this.hasTables(spec.requires))) return false;
    if (!spec.probe) return true;
    return this.cached(city, `probe:${spec.id}`, async () => (await this.store.query(spec.probe!, [city])).length > 0, 'head');
  }

  /** why `available` said no, for the 404 (中文 / English) */
  async unavailableReason(spec: CollectionSpec, city: string): Promise<string> {
    if (!(await this.hasTables(spec.requires))) {
      const t = await this.tables();
      return `数据表缺失 / table ${spec.requires.filter((n) => !t.has(n)).join(', ')} missing${spec.missingHint ? `: ${spec.missingHint}` : ''}`;
    }
    return `城市 ${city} 尚无该数据 / no ${spec.id} for city ${city} yet${spec.missingHint ? `: ${spec.missingHint}` : ''}`;
  }

  /**
   * Compute once per city and data version (concurrent callers share the promise); `basis: 'head'`:
   * once per archive head (values that follow the domains' records too).
   */
  async cached<T>(city: string, key: string, compute: () => Promise<T>, basis: Basis = 'model'): Promise<T> {
    const version = basis === 'head' ? await this.head(city) : await this.version(city);
    const k = `${city}\u0000${basis}\u0000${key}`;
    const hit = this.memo.get(k);
    if (hit && hit.version === version) return hit.value as Promise<T>;
    const value = compute();
    this.memo.set(k, { version, value });
    value.catch(() => { if (this.memo.get(k)?.value === value) this.memo.delete(k); });
    return value;
  }

  /** Forget every cached value (after a write). */
  invalidate(): void {
    this.versionCache.clear();
    this.headCache.clear();
    this.citiesCache = null;
    this.tableCache = null;
    this.memo.clear();
  }
}
