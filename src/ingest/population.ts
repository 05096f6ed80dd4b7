/**
 * Population inputs (issue 10 §1): census tables and population rasters, read and checked here;
 * the join to the city's 街道/社区 boundaries and the write are `src/app/population.ts`, the
 * dasymetric allocation onto residential buildings `src/analysis/network/population.ts`.
 *
 * - Census CSV (UTF-8 or GBK, guessed when not given; text that does not decode is an error, as
 *   in csv.ts): `area_code` (GB/T 2260 or 统计用区划代码) or `area_name`, `population`, optional
 *   `households`; Chinese headers (区划代码, 名称, 常住人口, 户数, ...) are recognised too.
 * - GeoTIFF (WorldPop, GHSL, ...): band 1, people per cell, read with `geotiff`; CRS from the
 *   GeoKeys (those src/ingest/crs.ts can transform); the declared no-data value is skipped and counted.
 * Bad input throws IngestError naming the file and the row/column or band: nothing is written.
 */
import { readFile } from 'node:fs/promises';
import { fromArrayBuffer } from 'geotiff';
import type { Position } from '../model/geometry.js';
import { crsInfo, makeTransform } from './crs.js';
import { CsvParser, detectEncoding, encodingError, guessDelimiter, type CsvRecord } from './csv.js';
import { isDecodeError, textDecoder } from './features.js';
import { IngestError } from '../model/errors.js';
import { cannotReadFile } from './bilingual.js';

export interface CensusRow { line: number; code?: string; name?: string; population: number; households?: number }
export interface Census { rows: CensusRow[]; key: 'area_code' | 'area_name'; encoding: string; columns: Record<string, string> }

const CODE_COLS = ['area_code', 'code', 'adcode', '区划代码', '统计用区划代码', '行政区划代码', '代码'];
const NAME_COLS = ['area_name', 'name', '名称', '地区', '区域', '街道', '社区', '街道名称', '社区名称'];
const POP_COLS = ['population', 'pop', '人口', '常住人口', '人口数', '总人口'];
const HH_COLS = ['households', '户数', '家庭户数', '总户数'];
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const cannotRead = (e: unknown) => cannotReadFile((e as Error).message);
/** the Chinese of the census columns' roles */
const ROLE_ZH: Record<string, string> = { population: '人口数', households: '户数' };

/** 统计用区划代码 of a 街道 (12 digits ending 000) and its 9-digit form are the same area. */
export function normaliseAreaCode(code: string): string {
  const s = code.replace(/\s+/g, '');
  return /^\d{12}$/.test(s) && s.endsWith('000') ? s.slice(0, 9) : s;
}

export async function readCensus(file: string, o: { encoding?: string } = {}): Promise<Census> {
  let buf: Buffer;
  try { buf = await readFile(file); } catch (e) { throw new IngestError(file, undefined, cannotRead(e)); }
  const { encoding, skip, guessed } = await detectEncoding(file, o.encoding);
  let text: string;
  try {
    text = textDecoder(encoding).decode(buf.subarray(skip));
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    throw await encodingError(file, encoding, skip, guessed);
  }
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const parser = new CsvParser(guessDelimiter(firstLine), file);
  const recs: CsvRecord[] = [];
  parser.push(text, recs);
  parser.end(recs);
  const nonBlank = recs.filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ''));
  if (!nonBlank.length) throw new IngestError(file, undefined, '空文件：应有表头，含 area_code 或 area_name，以及 population / empty file: expected a header with area_code or area_name, and population');
  const header = nonBlank[0].fields.map((h) => h.trim());
  const find = (names: string[]) => { for (const n of names) { const i = header.findIndex((h) => h.toLowerCase() === n); if (i >= 0) return i; } return -1; };
  const ci = find(CODE_COLS), ni = find(NAME_COLS), pi = find(POP_COLS), hi = find(HH_COLS);
  if (pi < 0) throw new IngestError(file, 'header', `没有人口列（查找了 ${POP_COLS.join(', ')}）；现有的列：${header.join(', ')} / no population column (looked for ${POP_COLS.join(', ')}); columns are: ${header.join(', ')}`);
  if (ci < 0 && ni < 0) {
    throw new IngestError(file, 'header', `没有区域列：请提供 area_code（GB/T 2260 或统计用区划代码）或 area_name；现有的列：${header.join(', ')} / ` +
      `no area column: give area_code (GB/T 2260 / 统计用区划代码) or area_name; columns are: ${header.join(', ')}`);
  }
  const key = ci >= 0 ? 'area_code' : 'area_name';
  const rows: CensusRow[] = [];
  const seen = new Map<string, number>();
  const num = (rec: CsvRecord, i: number, what: 'population' | 'households', required: boolean): number | undefined => {
    const raw = (rec.fields[i] ?? '').trim().replace(/,/g, '');
    const at = `row ${rec.line}, column ${header[i]}`, zh = ROLE_ZH[what];
    if (raw === '') { if (required) throw new IngestError(file, at, `缺少${zh}（${what}） / no ${what}`); return undefined; }
    if (!NUMBER.test(raw)) throw new IngestError(file, at, `${JSON.stringify(rec.fields[i])} 不是数字（${zh}） / ${JSON.stringify(rec.fields[i])} is not a number (${what})`);
    const v = Number(raw);
    if (v < 0) throw new IngestError(file, at, `${zh} ${v} 为负数 / ${what} ${v} is negative`);
    return v;
  };
  for (const rec of nonBlank.slice(1)) {
    if (rec.fields.length > header.length && rec.fields.slice(header.length).some((v) => v.trim() !== '')) {
      throw new IngestError(file, `row ${rec.line}`, `有 ${rec.fields.length} 个字段，但表头只有 ${header.length} 个 / ${rec.fields.length} fields but the header has ${header.length}`);
    }
    const code = ci >= 0 ? normaliseAreaCode(rec.fields[ci] ?? '') : undefined;
    const name = ni >= 0 ? (rec.fields[ni] ?? '').trim() || undefined : undefined;
    const id = key === 'area_code' ? code : name;
    const at = `row ${rec.line}, column ${header[key === 'area_code' ? ci : ni]}`;
    if (!id) throw new IngestError(file, at, `缺少 ${key} / no ${key}`);
    const dup = seen.get(id);
    if (dup !== undefined) throw new IngestError(file, at, `区域 ${JSON.stringify(id)} 重复（第 ${dup} 行已有） / duplicate area ${JSON.stringify(id)} (also on row ${dup})`);
    seen.set(id, rec.line);
    const population = num(rec, pi, 'population', true)!;
    const households = hi >= 0 ? num(rec, hi, 'households', false) : undefined;
    rows.push({ line: rec.line, ...(code ? { code } : {}), ...(name ? { name } : {}), population, ...(households !== undefined ? { households } : {}) });
  }
  if (!rows.length) throw new IngestError(file, undefined, '表头之后没有数据行 / no data rows after the header');
  const columns: Record<string, string> = { population: header[pi] };
  if (ci >= 0) columns.area_code = header[ci];
  if (ni >= 0) columns.area_name = header[ni];
  if (hi >= 0) columns.households = header[hi];
  return { rows, key, encoding, columns };
}

export interface RasterCell { row: number; col: number; population: number; ring: Position[] }
export interface Raster { cells: RasterCell[]; width: number; height: number; epsg: number; crs: string; resolution: [number, number]; nodata: number | null; nodataCells: number; zeroCells: number; total: number }

/**
 * Cells of band 1 with a population > 0 whose centre lies in `bbox` (lon/lat; the city's extent),
 * as lon/lat rings. No-data cells are skipped and counted; a negative or non-finite value that is
 * not the declared no-data value is an error naming the band, row and column.
 */
export async function readRaster(file: string, bbox?: [number, number, number, number]): Promise<Raster> {
  let buf: Buffer;
  try { buf = await readFile(file); } catch (e) { throw new IngestError(file, undefined, cannotRead(e)); }
  let image;
  try {
    const tiff = await fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    image = await tiff.getImage();
  } catch (e) { throw new IngestError(file, undefined, `不是可读取的 GeoTIFF：${(e as Error).message} / not a readable GeoTIFF: ${(e as Error).message}`); }
  const keys = (image.getGeoKeys() ?? {}) as Record<string, number>;
  const epsg = keys.ProjectedCSTypeGeoKey ?? keys.GeographicTypeGeoKey;
  const info = epsg !== undefined && epsg !== 32767 ? crsInfo(epsg) : undefined;
  if (!info) {
    const zh = epsg === undefined ? '（未声明）' : epsg === 32767 ? '（用户自定义，如 Mollweide）' : ` EPSG:${epsg}`;
    const en = epsg === undefined ? '(none declared)' : epsg === 32767 ? '(user-defined, e.g. Mollweide)' : `EPSG:${epsg}`;
    throw new IngestError(file, 'GeoKeys', `不支持的坐标系${zh}：支持 WGS84 (EPSG:4326)、CGCS2000 (4490)、CGCS2000 高斯-克吕格投影带、Web 墨卡托和 WGS84 UTM；` +
      '请先重投影，如 gdalwarp -t_srs EPSG:4326 in.tif out.tif / ' +
      `unsupported CRS ${en}: supported are WGS84 (EPSG:4326), CGCS2000 (4490), the CGCS2000 Gauss-Krüger zones, Web Mercator and WGS84 UTM; reproject first, e.g. gdalwarp -t_srs EPSG:4326 in.tif out.tif`);
  }
  let origin: number[], res: number[];
  try { origin = image.getOrigin(); res = image.getResolution(); } catch (e) {
    throw new IngestError(file, 'GeoKeys', `没有地理参考（控制点与像元大小）：${(e as Error).message} / no georeferencing (tie point and pixel scale): ${(e as Error).message}`);
  }
  if (image.getSamplesPerPixel() < 1) throw new IngestError(file, 'band 1', '没有波段 / no band');
  const W = image.getWidth(), H = image.getHeight();
  const nodata = image.getGDALNoData();
  const band = (await image.readRasters({ samples: [0] }))[0] as ArrayLike<number>;
  const t = makeTransform(info);
  const corner = (col: number, row: number): Position => t(origin[0] + col * res[0], origin[1] + row * res[1]);
  const cells: RasterCell[] = [];
  let nodataCells = 0, zeroCells = 0, total = 0;
  for (let row = 0; row < H; row++) {
    for (let col = 0; col < W; col++) {
      const v = band[row * W + col];
      if (nodata !== null && (v === nodata || (Number.isNaN(nodata) && Number.isNaN(v)))) { nodataCells++; continue; }
      if (!Number.isFinite(v) || v < 0) {
        throw new IngestError(file, `band 1, row ${row}, column ${col}`,
          `人口数 ${v} ${Number.isFinite(v) ? '为负数' : '不是数字'}，且不是声明的无数据值（${nodata ?? '未声明'}） / ` +
          `population ${v} is ${Number.isFinite(v) ? 'negative' : 'not a number'} and not the declared no-data value (${nodata ?? 'none declared'})`);
      }
      if (v === 0) { zeroCells++; continue; }
      const ring = [corner(col, row), corner(col + 1, row), corner(col + 1, row + 1), corner(col, row + 1)];
      ring.push(ring[0]);
      if (bbox) {
        const cx = (ring[0][0] + ring[2][0]) / 2, cy = (ring[0][1] + ring[2][1]) / 2;
        if (cx < bbox[0] || cx > bbox[2] || cy < bbox[1] || cy > bbox[3]) continue;
      }
      cells.push({ row, col, population: v, ring });
      total += v;
    }
  }
  return { cells, width: W, height: H, epsg: info.epsg, crs: info.name, resolution: [Math.abs(res[0]), Math.abs(res[1])], nodata, nodataCells, zeroCells, total };
}
