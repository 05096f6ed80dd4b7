/**
 * One code path for every collection's items: the request's parameters (bbox, datetime, property
 * equality, CQL2 filter) become a parameterised WHERE over the registry's SQL, and rows become
 * GeoJSON features (geometry from ST_AsGeoJSON, spliced as text).
 */
import { parseArchiveTime } from '../../store/archive.js';
import type { CollectionSpec, PropertySpec } from '../../catalog/collections.js';
import { archiveFrom, GEOMETRY_NAME, intersects, propertyByName, queryables } from '../../catalog/collections.js';
import type { ServerContext } from '../context.js';
import { badRequest } from '../errors.js';
import { compileCql2, Cql2Error, Params, parseCql2 } from './cql2.js';

export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 10;
export const MAX_OFFSET = 10_000_000;
export const MAX_VALUE_LENGTH = 256;
/**
 * The one CRS of the API (longitude, latitude: OGC CRS84), as /collections says (`crs`,
 * `storageCrs`). EPSG:4326 is not its synonym: its axis order is latitude first, and a server that
 * read `bbox-crs=…/EPSG/0/4326` as longitude first would answer another place. Refused, like any
 * other CRS (OGC API – Features Part 2 is not offered: /conformance does not claim it).
 */
export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const CRS84_NAMES = new Set([CRS84, '[OGC:CRS84]', 'OGC:CRS84']);

/** `bbox-crs`, `filter-crs`, `crs`: CRS84 or nothing */
function checkCrs(v: string | undefined, name: string): void {
  if (v === undefined || CRS84_NAMES.has(v)) return;
  const lat = /EPSG\/0\/4326$|^EPSG:4326$/i.test(v) ? ' (EPSG:4326 is latitude first: give the coordinates longitude first in CRS84, and leave out this parameter; EPSG:4326 纬度在前)' : '';
  throw badRequest(`${name}: 仅支持 CRS84 (经度在前) / only ${CRS84} (longitude, latitude) is supported, got ${JSON.stringify(v.slice(0, 80))}${lat}`);
}

/** query parameters every items request may carry (others must be queryables) */
export const ITEM_PARAMS = new Set(['f', 'city', 'limit', 'offset', 'bbox', 'bbox-crs', 'datetime', 'as_of', 'filter', 'filter-lang', 'filter-crs', 'crs']);

export interface ItemsQuery {
  limit: number;
  offset: number;
  where: string[];
  params: Params;
  /** a filter narrower than the whole city (so the count is not the cached total) */
  filtered: boolean;
  /** the SQL has a fixed shape (no CQL2 text): it may be a prepared statement */
  fixedShape: boolean;
  /** FROM clause (alias t): the collection now, or its archive as of a time */
  from: string;
  /** aborted when the client goes away: its queries are cancelled */
  signal?: AbortSignal;
}

function one(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw badRequest(`参数 ${name} 重复 / parameter ${name} given more than once`);
  if (typeof v !== 'string') throw badRequest(`参数 ${name} 应为文本 / parameter ${name} must be a string`);
  return v;
}

export function parseIntParam(v: unknown, name: string, min: number, max: number, dflt: number): number {
  const s = typeof v === 'number' && Number.isInteger(v) ? String(v) : one(v, name);
  if (s === undefined || s === '') return dflt;
  if (!/^\d{1,12}$/.test(s)) throw badRequest(`${name} 应为 ${min} 到 ${max} 的整数 / ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(s.slice(0, 32))}`);
  const n = Number(s);
  if (n < min || n > max) throw badRequest(`${name} 应在 ${min} 到 ${max} 之间 / ${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

/**
 * `w,s,e,n` (or with heights, 6 numbers) in CRS84. A box across the antimeridian (w > e, e.g.
 * 177,65,-177,70) is the two boxes either side of it.
 */
export function parseBbox(v: unknown): [number, number, number, number][] | undefined {
  const s = one(v, 'bbox');
  if (s === undefined) return undefined;
  if (s.length > 200) throw badRequest('bbox 过长 / bbox too long');
  const parts = s.split(',');
  if (parts.length !== 4 && parts.length !== 6) throw badRequest(`bbox 应为 4 个数 (最小经度,最小纬度,最大经度,最大纬度) / bbox must be 4 numbers "minLon,minLat,maxLon,maxLat", got ${parts.length} value(s)`);
  const n = parts.map((p) => (/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(p) ? Number(p) : NaN));
  if (n.some((x) => !Number.isFinite(x))) throw badRequest(`bbox 应为数字 / bbox must be numbers, got ${JSON.stringify(s.slice(0, 64))}`);
  const [w, so, e, no] = parts.length === 6 ? [n[0], n[1], n[3], n[4]] : n;
  if (w < -180 || e > 180 || so < -90 || no > 90) throw badRequest('bbox 超出经纬度范围 / bbox outside CRS84 bounds (longitude -180..180, latitude -90..90; longitude first)');
  if (so > no) throw badRequest('bbox: 最小纬度大于最大纬度 / bbox: minimum latitude greater than maximum latitude');
  return w > e ? [[w, so, 180, no], [-180, so, e, no]] : [[w, so, e, no]];
}

/** a calendar date that exists (JS Date.parse takes 2020-02-30 for March 1st) */
export function realDate(x: string): boolean {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(x) ? `${x}T00:00:00Z` : x);
  return !Number.isNaN(d.getTime()) && new Date(`${x.slice(0, 10)}T00:00:00Z`).toISOString().slice(0, 10) === x.slice(0, 10);
}

/** RFC 3339 instant or interval (`a/b`, `../b`, `a/..`) → [start, end] ISO strings (null = open). */
export function parseDatetime(v: unknown): [string | null, string | null] | undefined {
  const s = one(v, 'datetime');
  if (s === undefined) return undefined;
  if (s.length > 100) throw badRequest('datetime 过长 / datetime too long');
  const parseOne = (x: string, end: boolean): string | null => {
    if (x === '..' || x === '') return null;
    const date = /^\d{4}-\d{2}-\d{2}$/.test(x);
    const dt = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(x);
    if ((!date && !dt) || !realDate(x)) throw badRequest(`datetime: 日期格式无效 / ${JSON.stringify(x.slice(0, 40))} is not an RFC 3339 date or date-time (e.g. 2000-01-01, 2000-01-01T00:00:00Z, or an interval a/b with .. for open ends)`);
    if (!date) return new Date(x).toISOString();
    // a date stands for its whole day
    const d = new Date(`${x}T00:00:00Z`);
    if (end) d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString();
  };
  const parts = s.split('/');
  if (parts.length > 2) throw badRequest('datetime: 最多一个 "/" / at most one "/"');
  if (parts.length === 1) {
    const a = parseOne(parts[0], false);
    if (a === null) throw badRequest('datetime: 请给出日期、时间或区间 / give a date, a date-time or an interval');
    return [a, /^\d{4}-\d{2}-\d{2}$/.test(parts[0]) ? parseOne(parts[0], true) : a];
  }
  const a = parseOne(parts[0], false), b = parseOne(parts[1], true);
  if (a && b && a > b) throw badRequest('datetime: 区间起点晚于终点 / interval start after its end');
  return [a, b];
}

function coerce(p: PropertySpec, raw: string): { value: unknown; cast: string } {
  if (raw.length > MAX_VALUE_LENGTH) throw badRequest(`${p.name} 的值过长 / value of ${p.name} longer than ${MAX_VALUE_LENGTH} characters`);
  switch (p.type) {
    case 'number': case 'integer': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) || !Number.isFinite(Number(raw))) throw badRequest(`${p.name} 应为数字 / ${p.name} is a number; got ${JSON.stringify(raw.slice(0, 40))}`);
      return { value: Number(raw), cast: 'double precision' };
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw badRequest(`${p.name} 应为 true 或 false / ${p.name} is true or false; got ${JSON.stringify(raw.slice(0, 40))}`);
      return { value: raw === 'true', cast: 'boolean' };
    default: return { value: raw, cast: 'text' };
  }
}

/** Parse and check an items request; the city is $1. */
export function buildItemsQuery(spec: CollectionSpec, q: Record<string, unknown>, city: string): ItemsQuery {
  const params = new Params();
  params.add(city);
  const where = ['t.city_id = $1'];
  let filtered = false;
  for (const k of Object.keys(q)) {
    if (ITEM_PARAMS.has(k)) continue;
    const p = propertyByName(spec, k);
    if (!p || !queryables(spec).includes(p)) {
      throw badRequest(`未知参数 / unknown parameter "${k.slice(0, 64)}" (parameters: ${[...ITEM_PARAMS].join(', ')}; property filters of ${spec.id}: ${queryables(spec).map((x) => x.name).join(', ') || 'none'})`);
    }
    const raw = one(q[k], k)!;
    const { value, cast } = coerce(p, raw);
    where.push(`${p.sql} = ${params.add(value, cast)}`);
    filtered = true;
  }
  const limit = parseIntParam(q.limit, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
  const offset = parseIntParam(q.offset, 'offset', 0, MAX_OFFSET, 0);
  checkCrs(one(q['bbox-crs'], 'bbox-crs'), 'bbox-crs');
  checkCrs(one(q.crs, 'crs'), 'crs');
  const boxes = parseBbox(q.bbox);
  if (boxes) {
    const envs = boxes.map((b) => `ST_MakeEnvelope(${b.map((v) => params.add(v, 'float8')).join(', ')}, 4326)`);
    where.push(envs.length === 1 ? intersects(spec, envs[0]) : `(${envs.map((e) => `(${intersects(spec, e)})`).join(' OR ')})`);
    filtered = true;
  }
  // the archive: the records as they were at `as_of` (the collections' own time is `datetime`)
  let from = spec.from;
  const asOfText = one(q.as_of, 'as_of');
  if (asOfText !== undefined) {
    if (!spec.archive) throw badRequest(`数据集 ${spec.id} 无历史版本, as_of 不适用 / collection ${spec.id} is not versioned: as_of does not apply`);
    let asOf: string;
    try { asOf = parseArchiveTime(asOfText, 'as_of'); } catch (e) { throw badRequest((e as Error).message); }
    from = archiveFrom(spec, params.add(asOf, 'timestamptz'));
    filtered = true;
  }
  const dt = parseDatetime(q.datetime);
  if (dt) {
    if (!spec.time) throw badRequest(`数据集 ${spec.id} 无时间属性, datetime 不适用 / collection ${spec.id} has no time: datetime does not apply`);
    const [a, b] = dt;
    // the feature's [start, end) meets the requested interval
    if (b !== null) where.push(`${spec.time.start} ${a === b ? '<=' : '<'} ${params.add(b, 'timestamptz')}`);
    if (a !== null) where.push(`${spec.time.end} > ${params.add(a, 'timestamptz')}`);
    where.push(`${spec.time.start} IS NOT NULL`);
    filtered = true;
  }
  const lang = one(q['filter-lang'], 'filter-lang');
  if (lang !== undefined && lang !== 'cql2-text') throw badRequest(`filter-lang: 仅支持 cql2-text / only cql2-text is supported, got ${JSON.stringify(lang.slice(0, 40))}`);
  checkCrs(one(q['filter-crs'], 'filter-crs'), 'filter-crs');
  const filter = one(q.filter, 'filter');
  if (filter !== undefined) {
    try {
      where.push(compileCql2(parseCql2(filter), spec, params));
    } catch (e) {
      if (e instanceof Cql2Error) throw badRequest(`过滤条件 (CQL2) 无效 / filter: ${e.message}`, { position: e.position });
      throw e;
    }
    filtered = true;
  }
  return { limit, offset, where, params, filtered, fixedShape: filter === undefined, from };
}

export interface FeatureRow { fid: string; props: Record<string, unknown>; geometry: string | null }

function keySql(spec: CollectionSpec): string {
  return spec.key.length === 1 ? spec.key[0].sql : spec.key.map((k) => k.sql).join(` || ':' || `);
}

/** object properties (jsonb) come as JSON text and are spliced into the output as they are */
function selectList(spec: CollectionSpec, props: PropertySpec[]): string {
  return [`${keySql(spec)} AS fid`, ...props.map((p, i) => `${p.sql}${p.type === 'object' ? '::text' : ''} AS p${i}`), `ST_AsGeoJSON(${spec.geometry.sql}, 7) AS g`].join(', ');
}

/** a JSON object's text standing for itself in the output */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): unknown { return JSON.parse(this.text); }
}

const COLS = Array.from({ length: 64 }, (_, i) => `p${i}`);
function rowToFeature(r: Record<string, unknown>, props: PropertySpec[]): FeatureRow {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < props.length; i++) {
    const v = r[COLS[i]] ?? null;
    o[props[i].name] = props[i].type === 'object' && typeof v === 'string' ? new RawJson(v) : v;
  }
  return { fid: String(r.fid), props: o, geometry: (r.g as string | null) ?? null };
}

/** the properties object as JSON, raw JSON spliced in */
function propsJson(o: Record<string, unknown>): string {
  let s = '{';
  let first = true;
  for (const k in o) {
    const v = o[k];
    s += `${first ? '' : ','}${JSON.stringify(k)}:${v instanceof RawJson ? v.text : JSON.stringify(v)}`;
    first = false;
  }
  return s + '}';
}

export async function fetchItems(ctx: ServerContext, spec: CollectionSpec, city: string, iq: ItemsQuery): Promise<{ rows: FeatureRow[]; more: boolean }> {
  const props = spec.properties;
  const p = iq.params;
  const n = p.values.length;
  const sql = `SELECT ${selectList(spec, props)} FROM ${iq.from} WHERE ${iq.where.join(' AND ')} ORDER BY ${spec.key.map((k) => k.sql).join(', ')} ` +
    `LIMIT $${n + 1}::int OFFSET $${n + 2}::int`;
  const rows = await ctx.read.query<Record<string, unknown>>(sql, [...p.values, iq.limit + 1, iq.offset], { prepare: iq.fixedShape, signal: iq.signal });
  const more = rows.length > iq.limit;
  return { rows: rows.slice(0, iq.limit).map((r) => rowToFeature(r, props)), more };
}

/** Exact count up to `cap`; past it `{ exact: false }` with an estimate of the planner. */
export async function countItems(ctx: ServerContext, spec: CollectionSpec, city: string, iq: ItemsQuery, cap: number): Promise<{ n: number; exact: boolean }> {
  if (!iq.filtered) {
    return ctx.cached(city, `count:${spec.id}`, async () => {
      const r = await ctx.store.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${spec.from} WHERE t.city_id = $1`, [city]);
      return { n: Number(r[0].n), exact: true };
    }, ctx.basisOf(spec));
  }
  const where = iq.where.join(' AND ');
  const r = await ctx.read.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM (SELECT 1 FROM ${iq.from} WHERE ${where} LIMIT ${cap + 1}) s`, iq.params.values, { prepare: iq.fixedShape, signal: iq.signal });
  const n = Number(r[0].n);
  if (n <= cap) return { n, exact: true };
  // the planner's estimate (EXPLAIN takes no parameters: substitute them as typed literals is what we avoid; estimate on the plan of a prepared-like statement instead)
  try {
    const plan = await ctx.store.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${iq.from} WHERE ${where}`, iq.params.values);
    const raw = plan[0]?.['QUERY PLAN'];
    const json = typeof raw === 'string' ? JSON.parse(raw) : raw;
    const est = Number((json as { Plan: { 'Plan Rows': number } }[])[0].Plan['Plan Rows']);
    return { n: Math.max(cap + 1, Math.round(est)), exact: false };
  } catch {
    return { n: cap + 1, exact: false };
  }
}

export async function fetchItem(ctx: ServerContext, spec: CollectionSpec, city: string, featureId: string): Promise<FeatureRow | null> {
  // the last key takes the rest, so that only the earlier ones may not contain ':'
  const parts: string[] = [];
  let rest = featureId;
  for (let i = 0; i < spec.key.length - 1; i++) {
    const k = rest.indexOf(':');
    if (k < 0) return null;
    parts.push(rest.slice(0, k));
    rest = rest.slice(k + 1);
  }
  parts.push(rest);
  if (parts.length !== spec.key.length || parts.some((x) => x === '' || x.length > MAX_VALUE_LENGTH)) return null;
  const params = new Params();
  params.add(city);
  const where = ['t.city_id = $1', ...spec.key.map((k, i) => `(${k.sql})::text = ${params.add(parts[i], 'text')}`)];
  const rows = await ctx.store.query<Record<string, unknown>>(
    `SELECT ${selectList(spec, spec.properties)} FROM ${spec.from} WHERE ${where.join(' AND ')} LIMIT 1`, params.values);
  return rows.length ? rowToFeature(rows[0], spec.properties) : null;
}

export function featureJson(spec: CollectionSpec, f: FeatureRow, links?: unknown[]): string {
  return `{"type":"Feature","id":${JSON.stringify(f.fid)},"geometry":${f.geometry ?? 'null'},"properties":${propsJson(f.props)}${links ? `,"links":${JSON.stringify(links)}` : ''}}`;
}

/** Spatial and temporal extent of a collection in a city (once per data version). */
export async function collectionExtent(ctx: ServerContext, spec: CollectionSpec, city: string): Promise<{ bbox: number[] | null; interval: [string | null, string | null] | null }> {
  return ctx.cached(city, `extent:${spec.id}`, async () => {
    const e = (await ctx.store.query<{ w: number | null; s: number; e: number; n: number }>(
      `SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n FROM (SELECT ST_Extent(${spec.geometry.sql}) AS b FROM ${spec.from} WHERE t.city_id = $1) x`, [city]))[0];
    let interval: [string | null, string | null] | null = null;
    if (spec.time) {
      const t = (await ctx.store.query<{ a: string | null; b: string | null }>(
        `SELECT to_char(min(${spec.time.start}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS a, to_char(max(${spec.time.end}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS b FROM ${spec.from} WHERE t.city_id = $1`, [city]))[0];
      interval = t && t.a ? [t.a, t.b] : null;
    }
    return { bbox: e && e.w !== null ? [Number(e.w), Number(e.s), Number(e.e), Number(e.n)] : null, interval };
  }, ctx.basisOf(spec));
}

export { GEOMETRY_NAME };
