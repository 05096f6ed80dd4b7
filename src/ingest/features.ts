/**
 * The feature-reader contract shared by the non-OSM formats (GeoJSON, Shapefile, CSV): each reader
 * is an async generator of `GeoFeature` in WGS84, throwing `IngestError` for bad input. Also the
 * helpers they share: geometry checking + coordinate transformation, text-encoding detection.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Geometry, Position } from '../model/geometry.js';
import type { IngestProblem } from '../model/types.js';
import { CoordinateRangeError, makeTransform, parseCrs, type CoordOffset, type CrsInfo, type Transform } from './crs.js';
import { IngestError } from '../model/errors.js';
import { decoderName } from './encoding.js';
import type { ZhEn } from './bilingual.js';

export interface GeoFeature {
  /** 0-based position of the feature in the file (data row for CSV) */
  index: number;
  /** the source's own feature id when it has one (GeoJSON `id`) */
  id?: string;
  /** WGS84 lon/lat */
  geometry: Geometry;
  properties: Record<string, unknown>;
}

export interface FeatureReadOptions {
  /** source CRS (`EPSG:4547`, ...): overrides what the file says (.prj, GeoJSON `crs`) */
  crs?: string;
  /** lon/lat carry a Chinese web-map offset: GCJ-02 (高德/腾讯) or BD-09 (百度) */
  coords?: CoordOffset;
  /** CSV: longitude (or x) column; default the first of lon, lng, long, longitude, 经度, x */
  lonField?: string;
  /** CSV: latitude (or y) column; default the first of lat, latitude, 纬度, y */
  latField?: string;
  /** text encoding of attributes (CSV, DBF); default: .cpg, else UTF-8 when valid, else GBK */
  encoding?: string;
  /** CSV field delimiter; default: guessed from the header line among , ; tab | */
  delimiter?: string;
  /** called now and then with bytes consumed so far and the file size */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** something skipped that is not an error (a feature without geometry, an empty CSV row) */
  onProblem?: (problem: IngestProblem) => void;
}

export type FeatureReader = (file: string, options?: FeatureReadOptions) => AsyncGenerator<GeoFeature>;

/** Formats by file extension. `.json` / `.geojson` may hold a FeatureCollection or GeoJSONSeq. */
export function featureFormat(file: string): 'geojson' | 'shapefile' | 'csv' | undefined {
  const ext = extname(file).toLowerCase();
  if (['.geojson', '.json', '.geojsonl', '.geojsons', '.geojsonseq', '.ndjson', '.jsonl'].includes(ext)) return 'geojson';
  if (ext === '.shp' || ext === '.dbf') return 'shapefile';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  return undefined;
}

/** Read any supported feature file (the format from its extension). */
export async function* readFeatures(file: string, options: FeatureReadOptions = {}): AsyncGenerator<GeoFeature> {
  const format = featureFormat(file);
  if (format === 'geojson') yield* (await import('./geojson.js')).readGeoJSON(file, options);
  else if (format === 'shapefile') yield* (await import('./shapefile.js')).readShapefile(file, options);
  else if (format === 'csv') yield* (await import('./csv.js')).readCsv(file, options);
  else throw new IngestError(file, undefined, `无法识别的文件类型 "${extname(file)}"：应为 .geojson、.json、.geojsonl、.ndjson、.shp 或 .csv / unknown file type "${extname(file)}": expected .geojson, .json, .geojsonl, .ndjson, .shp, .csv`);
}

// ---------------------------------------------------------------------------------------------
// Geometry: check the structure, transform to WGS84.

const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']);

/** Where a geometry came from, for error messages: "feature 12", "line 40". */
export interface GeometryContext {
  file: string;
  location: string;
  /** the feature's text in the file, to quote numbers JSON.parse turned into Infinity (1e400) */
  text?: string;
}

/** number literals of a text that no double holds (JSON.parse reads them as ±Infinity), in order */
function overflowLiterals(text: string | undefined): string[] {
  if (!text || !/\d{309}|[eE]\+?\d{3}/.test(text)) return [];
  return (text.match(/-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g) ?? []).filter((l) => !Number.isFinite(Number(l)));
}

/** a position as the file wrote it: non-finite values by their original text where it is known */
function showPosition(a: unknown, ctx: GeometryContext): string {
  if (!Array.isArray(a)) return JSON.stringify(a);
  const lits = overflowLiterals(ctx.text);
  let k = 0;
  return `[${a.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? lits[k++] ?? String(v) : JSON.stringify(v))).join(',')}]`;
}

/**
 * Check a GeoJSON-like geometry's structure and transform its coordinates with `t`, returning a new
 * geometry. Throws IngestError for: unknown type, coordinates not nested as the type requires, a
 * non-finite coordinate, a line with < 2 positions, a ring with < 4 positions or not closed.
 * Self-intersections are not checked here (the store repairs them with ST_MakeValid).
 * Z / M values are dropped.
 */
export function transformGeometry(geometry: unknown, t: Transform | undefined, ctx: GeometryContext): Geometry {
  const fail = (zh: string, en: string): never => {
    throw new IngestError(ctx.file, ctx.location, `${zh} / ${en}`);
  };
  if (!geometry || typeof geometry !== 'object') fail('几何缺失或不是对象', 'geometry is missing or not an object');
  const g = geometry as { type?: unknown; coordinates?: unknown };
  const type = g.type;
  if (typeof type !== 'string' || !GEOMETRY_TYPES.has(type)) {
    fail(`不支持的几何类型 ${JSON.stringify(type)}（应为 ${[...GEOMETRY_TYPES].join('、')}）`,
      `unsupported geometry type ${JSON.stringify(type)} (expected ${[...GEOMETRY_TYPES].join(', ')})`);
  }
  const pos = (p: unknown): Position => {
    if (!Array.isArray(p) || p.length < 2) fail(`坐标点应为数组 [x, y]，实为 ${JSON.stringify(p)}`, `a position must be an array [x, y], got ${JSON.stringify(p)}`);
    const a = p as unknown[];
    const x = a[0];
    const y = a[1];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      const shown = showPosition(p, ctx);
      const big = [x, y].some((v) => typeof v === 'number' && !Number.isFinite(v));
      fail(`无效坐标 ${shown}（${big ? '数值过大，不能作为坐标' : '不是有限的数值'}）`,
        `invalid coordinate ${shown} (${big ? 'a number too large for a coordinate' : 'not a finite number'})`);
    }
    if (!t) return [x as number, y as number];
    try {
      return t(x as number, y as number);
    } catch (e) {
      if (e instanceof CoordinateRangeError) throw new IngestError(ctx.file, ctx.location, e.message);
      throw e;
    }
  };
  // what a part is, in both languages: "Polygon outer ring" / "Polygon 外环"
  const arr = (v: unknown, what: ZhEn): unknown[] => {
    if (!Array.isArray(v)) fail(`${what.zh} 应为数组`, `${what.en} must be an array`);
    return v as unknown[];
  };
  const line = (v: unknown, what: ZhEn): Position[] => {
    const ps = arr(v, what).map(pos);
    if (ps.length < 2) fail(`${what.zh} 只有 ${ps.length} 个点，至少需要 2 个`, `${what.en} has ${ps.length} position(s), at least 2 needed`);
    return ps;
  };
  const ring = (v: unknown, what: ZhEn): Position[] => {
    const raw = arr(v, what);
    if (raw.length < 4) fail(`${what.zh} 只有 ${raw.length} 个点，环至少需要 4 个`, `${what.en} has ${raw.length} position(s), a ring needs at least 4`);
    const first = raw[0] as unknown[];
    const last = raw[raw.length - 1] as unknown[];
    // closure is checked on the source coordinates, before any transformation
    if (!Array.isArray(first) || !Array.isArray(last) || first[0] !== last[0] || first[1] !== last[1]) {
      fail(`${what.zh} 未闭合（首点 ${JSON.stringify(first)} ≠ 末点 ${JSON.stringify(last)}）`,
        `${what.en} is not closed (first position ${JSON.stringify(first)} ≠ last ${JSON.stringify(last)})`);
    }
    return raw.map(pos);
  };
  const polygon = (v: unknown, what: ZhEn): Position[][] => {
    const rings = arr(v, what);
    if (rings.length === 0) fail(`${what.zh} 没有环`, `${what.en} has no rings`);
    return rings.map((r, i) => ring(r, i === 0 ? { zh: `${what.zh} 外环`, en: `${what.en} outer ring` } : { zh: `${what.zh} 第 ${i} 个环`, en: `${what.en} ring ${i}` }));
  };
  const whole = (name: string): ZhEn => ({ zh: name, en: name });
  const part = (name: string, i: number): ZhEn => ({ zh: `${name} 第 ${i} 部分`, en: `${name} part ${i}` });
  const c = g.coordinates;
  switch (type) {
    case 'Point':
      return { type, coordinates: pos(c) };
    case 'MultiPoint': {
      const ps = arr(c, whole('MultiPoint')).map(pos);
      if (ps.length === 0) fail('MultiPoint 为空', 'MultiPoint is empty');
      return { type, coordinates: ps };
    }
    case 'LineString':
      return { type, coordinates: line(c, whole('LineString')) };
    case 'MultiLineString': {
      const ls = arr(c, whole('MultiLineString')).map((l, i) => line(l, part('MultiLineString', i)));
      if (ls.length === 0) fail('MultiLineString 为空', 'MultiLineString is empty');
      return { type, coordinates: ls };
    }
    case 'Polygon':
      return { type, coordinates: polygon(c, whole('Polygon')) };
    default: {
      const ps = arr(c, whole('MultiPolygon')).map((p, i) => polygon(p, part('MultiPolygon', i)));
      if (ps.length === 0) fail('MultiPolygon 为空', 'MultiPolygon is empty');
      return { type: 'MultiPolygon', coordinates: ps };
    }
  }
}

/**
 * The transform for a file: `options.crs` wins over what the file declares (`declared`, from a
 * .prj or a GeoJSON `crs` member); default WGS84. Errors name the file.
 */
export function transformFor(file: string, options: FeatureReadOptions, declared?: CrsInfo): Transform {
  const info = options.crs ? parseCrs(options.crs, file) : (declared ?? parseCrs(4326));
  try {
    return makeTransform(info, options.coords ?? 'wgs84');
  } catch (e) {
    throw new IngestError(file, undefined, (e as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// Text encodings.

/**
 * The decoder of a text encoding (a name of `normaliseEncoding`; GBK read as GB18030: encoding.ts
 * decoderName). Fatal: bytes that do not decode throw (a TypeError, code ERR_ENCODING_INVALID_ENCODED_DATA),
 * which the readers turn into an IngestError naming the place; never U+FFFD.
 */
export function textDecoder(encoding: string): TextDecoder {
  return new TextDecoder(decoderName(encoding), { fatal: true });
}

/** whether `e` is the error of a fatal decoder given bytes it cannot decode */
export const isDecodeError = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ERR_ENCODING_INVALID_ENCODED_DATA';

/** Normalise an encoding name from a .cpg file, a DBF code page or the command line for TextDecoder. */
export function normaliseEncoding(name: string): string | undefined {
  const s = name.trim().toLowerCase().replace(/^ansi[ _]?/, '').replace(/^cp/, '');
  if (s === '' || s === 'ansi') return undefined;
  if (['utf-8', 'utf8', '65001'].includes(s)) return 'utf-8';
  if (['gbk', '936', 'gb2312', 'gb_2312-80', 'euc-cn', 'x-gbk', 'chinese', 'ms936', 'windows-936'].includes(s)) return 'gbk';
  if (['gb18030', '54936'].includes(s)) return 'gb18030';
  if (['big5', '950'].includes(s)) return 'big5';
  if (['1252', 'windows-1252', 'latin1', 'iso-8859-1', 'iso88591'].includes(s)) return 'windows-1252';
  try {
    return new TextDecoder(s).encoding;
  } catch {
    return undefined;
  }
}

/**
 * Whether the bytes of `file` from `start` on are valid UTF-8, read in 1 MiB chunks (cheap next to
 * parsing; the whole file is checked, since Chinese text may first appear anywhere).
 */
export async function isValidUtf8(file: string, start = 0, end?: number): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = start;
    for (;;) {
      const want = end === undefined ? buf.length : Math.min(buf.length, end - pos);
      if (want <= 0) break;
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      try {
        decoder.decode(buf.subarray(0, bytesRead), { stream: true });
      } catch {
        return false;
      }
    }
    try {
      decoder.decode();
    } catch {
      // a multi-byte sequence cut by the end: fixed-width DBF fields can do that legitimately
    }
    return true;
  } finally {
    await fh.close();
  }
}

/** A property value as an OSM-style tag string (undefined for null/empty/objects). */
export function tagValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().slice(0, 10);
  if (Array.isArray(v)) {
    const parts = v.map(tagValue).filter((x): x is string => x !== undefined);
    return parts.length ? parts.join(';') : undefined;
  }
  return undefined;
}
