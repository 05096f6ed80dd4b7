import { resolve } from 'node:path';
import { IngestError } from '../model/errors.js';
import { defaultSourceId, sha256File } from '../ingest/index.js';
import { normaliseAreaCode, readCensus, readRaster } from '../ingest/population.js';
import { openChangeset, sealChangeset, versioned, writeStaged } from '../store/archive.js';
import { copyValue, type Queryable, type Store } from '../store/driver.js';

/**
 * `opencim import FILE --kind population [--year Y]`: a census table joined to the city's imported
 * 街道/社区 boundaries (by area code, else by name), or a population raster clipped to the city's
 * extent, written as population zones (migration 009) in one transaction. The health check
 * distributes each zone onto the residential buildings inside it by floor area.
 */
export interface PopulationImportOptions { kind?: 'census' | 'raster'; year?: number; source?: string; encoding?: string; actor?: string; reason?: string }
export interface PopulationImportSummary {
  city: string; source_id: string; kind: 'census' | 'raster'; year: number | null; path: string;
  zones: number; total: number; households: number | null; details: Record<string, unknown>;
}

/** admin_areas tags that may carry an area code (the import keeps a source's fields as tags) */
const CODE_TAGS = ['code', 'area_code', 'adcode', 'admin_code', 'gb_code', 'ref:gb', 'ref', 'src:code', '区划代码', '统计用区划代码', '行政区划代码'];

export function populationKind(file: string, kind?: string): 'census' | 'raster' {
  if (kind === 'census' || kind === 'raster') return kind;
  if (/\.(tif|tiff)$/i.test(file)) return 'raster';
  if (/\.(csv|txt|tsv)$/i.test(file)) return 'census';
  throw new IngestError(file, undefined, '人口数据应为普查表（.csv）或 GeoTIFF 栅格（.tif） / population files are census tables (.csv) or GeoTIFF rasters (.tif)');
}

export async function importPopulation(store: Store, city: string, file: string, o: PopulationImportOptions = {}): Promise<PopulationImportSummary> {
  const kind = populationKind(file, o.kind);
  const sourceId = o.source ?? defaultSourceId(file).replace(/\.(tif|tiff)$/i, '');
  const ext = (await store.query<{ n: number; w: number | null; s: number | null; e: number | null; nn: number | null }>(
    `SELECT count(*)::int AS n, ST_XMin(ST_Extent(geom)) AS w, ST_YMin(ST_Extent(geom)) AS s, ST_XMax(ST_Extent(geom)) AS e, ST_YMax(ST_Extent(geom)) AS nn
     FROM buildings_current WHERE city_id = $1`, [city]))[0];
  if (!ext || !Number(ext.n)) throw new IngestError(file, undefined, `城市“${city}”在数据库中没有建筑：请先导入城市模型（及其街道/社区边界），再导入人口 / city "${city}" has no buildings in the store: import the city model (and its 街道/社区 boundaries) first, then the population`);
  const sha = await sha256File(file);
  if (kind === 'census') {
    const census = await readCensus(file, { encoding: o.encoding });
    const areas = await store.query<{ id: string; name: string | null; level: string; codes: string[] | null; zh: string | null }>(
      `SELECT id, name, level, tags->>'name:zh' AS zh,
         ARRAY(SELECT value FROM jsonb_each_text(tags) WHERE lower(key) = ANY($2)) AS codes
       FROM admin_areas_current WHERE city_id = $1 AND level IN ('district', 'street', 'community') ORDER BY id`, [city, CODE_TAGS]);
    if (!areas.length) throw new IngestError(file, undefined, `城市“${city}”在数据库中没有区/街道/社区边界：请先导入，例如 opencim import streets.geojson --map kind=admin_area,category=LEVEL,name=NAME（编码字段作为标签保留） / city "${city}" has no 区/街道/社区 boundaries in the store: import them first, e.g. opencim import streets.geojson --map kind=admin_area,category=LEVEL,name=NAME (the code field is kept as a tag)`);
    const index = new Map<string, typeof areas>();
    for (const a of areas) {
      const keys = census.key === 'area_code' ? (a.codes ?? []).map(normaliseAreaCode) : [a.name, a.zh].filter((x): x is string => !!x);
      for (const k of new Set(keys)) { const l = index.get(k) ?? []; l.push(a); index.set(k, l); }
    }
    const joined: { row: (typeof census.rows)[number]; area: (typeof areas)[number] }[] = [];
    for (const row of census.rows) {
      const k = census.key === 'area_code' ? row.code! : row.name!;
      const hit = index.get(k);
      const col = census.columns[census.key];
      if (!hit) {
        const known = [...index.keys()].slice(0, 5).join(', ');
        throw new IngestError(file, `row ${row.line}, column ${col}`, `${census.key} ${JSON.stringify(k)} 与城市“${city}”已导入的区/街道/社区边界都不匹配（已知 ${index.size} 个${known ? `，例如 ${known}` : ''}） / ${census.key} ${JSON.stringify(k)} matches no imported 区/街道/社区 boundary of city "${city}" (${index.size} known${known ? `, e.g. ${known}` : ''})`);
      }
      if (hit.length > 1) throw new IngestError(file, `row ${row.line}, column ${col}`, `${census.key} ${JSON.stringify(k)} 匹配到 ${hit.length} 个边界（${hit.map((h) => h.id).join(', ')}）：请改用区划代码 / ${census.key} ${JSON.stringify(k)} matches ${hit.length} boundaries (${hit.map((h) => h.id).join(', ')}): use area codes`);
      joined.push({ row, area: hit[0] });
    }
    const levels = [...new Set(joined.map((j) => j.area.level))];
    if (levels.length > 1) throw new IngestError(file, census.columns[census.key], `表中混有多个层级（${levels.join(', ')}）：同一人会被重复计数；每个文件只给一个层级（街道或社区） / the table mixes levels (${levels.join(', ')}): a person would be counted twice; give one level (街道 or 社区) per file`);
    const seenArea = new Map<string, number>();
    for (const j of joined) {
      const prev = seenArea.get(j.area.id);
      if (prev !== undefined) throw new IngestError(file, `row ${j.row.line}`, `与第 ${prev} 行对应同一边界 ${j.area.id}（区域重复） / joins the same boundary ${j.area.id} as row ${prev} (duplicate area)`);
      seenArea.set(j.area.id, j.row.line);
    }
    const total = joined.reduce((s, j) => s + j.row.population, 0);
    const hh = joined.some((j) => j.row.households !== undefined) ? joined.reduce((s, j) => s + (j.row.households ?? 0), 0) : null;
    const details = { join: census.key, columns: census.columns, encoding: census.encoding, level: levels[0] };
    await writeZones(store, { city, sourceId, kind, year: o.year ?? null, file, sha, total, zones: joined.length, details, actor: o.actor, reason: o.reason }, async (tx, stage) => {
      // zone geometry: the boundary it joined (copied, so a later boundary re-import does not change past checks)
      await tx.query(
        `INSERT INTO ${stage} (dataset, zone_id, area_code, name, admin_area_id, population, households, geom)
         SELECT $2, z.zone_id, z.area_code, z.name, a.id, z.population, z.households, a.geom
         FROM jsonb_to_recordset($3::jsonb) AS z(zone_id text, area_code text, name text, admin_area_id text, population float8, households float8)
         JOIN admin_areas_current a ON a.city_id = $1 AND a.id = z.admin_area_id`,
        [city, sourceId, JSON.stringify(joined.map((j) => ({ zone_id: j.area.id, area_code: j.row.code ?? null, name: j.row.name ?? j.area.name, admin_area_id: j.area.id, population: j.row.population, households: j.row.households ?? null })))]);
    });
    return { city, source_id: sourceId, kind, year: o.year ?? null, path: resolve(file), zones: joined.length, total, households: hh, details };
  }
  const pad = 0.01;
  const bbox: [number, number, number, number] = [Number(ext.w) - pad, Number(ext.s) - pad, Number(ext.e) + pad, Number(ext.nn) + pad];
  const r = await readRaster(file, bbox);
  if (!r.cells.length) throw new IngestError(file, 'band 1', `城市“${city}”范围内没有有人口的栅格（建筑位于 ${bbox.map((v) => v.toFixed(4)).join(', ')}；栅格为 ${r.crs}，${r.width}×${r.height} 格） / no populated cell over city "${city}" (its buildings lie in ${bbox.map((v) => v.toFixed(4)).join(', ')}; the raster is ${r.crs}, ${r.width}×${r.height} cells)`);
  const details = { crs: `EPSG:${r.epsg} ${r.crs}`, width: r.width, height: r.height, resolution: r.resolution, nodata: r.nodata, nodata_cells: r.nodataCells, zero_cells: r.zeroCells, cells_over_city: r.cells.length };
  await writeZones(store, { city, sourceId, kind, year: o.year ?? null, file, sha, total: r.total, zones: r.cells.length, details, actor: o.actor, reason: o.reason }, async (tx, stage) => {
    let data = '';
    const s = copyValue(sourceId);
    for (const cell of r.cells) {
      const wkt = `SRID=4326;MULTIPOLYGON(((${cell.ring.map((p) => `${p[0]} ${p[1]}`).join(',')})))`;
      data += `${s}\tr${cell.row}c${cell.col}\t\\N\t\\N\t\\N\t${cell.population}\t\\N\t${wkt}\n`;
      if (data.length > 8 << 20) { await tx.copyIn(stage, ZONE_COLS, data); data = ''; }
    }
    if (data) await tx.copyIn(stage, ZONE_COLS, data);
  });
  return { city, source_id: sourceId, kind, year: o.year ?? null, path: resolve(file), zones: r.cells.length, total: r.total, households: null, details };
}

const ZONE_COLS = ['dataset', 'zone_id', 'area_code', 'name', 'admin_area_id', 'population', 'households', 'geom'];
const ZONES = versioned('population_zones', 'population_zones', ['dataset', 'zone_id'], true);

/** One change set: the zones of the dataset staged by `fill`, written as versions (zones gone from the file closed), and the import logged. */
async function writeZones(store: Store, o: { city: string; sourceId: string; kind: string; year: number | null; file: string; sha: string; total: number; zones: number; details: unknown; actor?: string; reason?: string },
  fill: (tx: Queryable, stage: string) => Promise<void>): Promise<void> {
  await store.transaction(async (tx) => {
    const cs = await openChangeset(tx, { cityId: o.city, actor: o.actor ?? 'system:population-import', reason: o.reason ?? `import population ${resolve(o.file)}`, kind: 'import', sourceId: o.sourceId });
    const stage = 'stage_population_zones';
    await tx.exec(`DROP TABLE IF EXISTS ${stage}; CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${ZONE_COLS.join(', ')} FROM ${ZONES.table} LIMIT 0`);
    await fill(tx, stage);
    await writeStaged(tx, ZONES, cs, stage, { sourceId: o.sourceId, closeMissing: { column: 'dataset', value: o.sourceId } });
    await tx.query('INSERT INTO population_imports (city_id, changeset_id, dataset, kind, year, path, sha256, total, zones, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [o.city, cs.id, o.sourceId, o.kind, o.year, resolve(o.file), o.sha, o.total, o.zones, JSON.stringify(o.details)]);
    await sealChangeset(tx, cs);
  });
}

/** The CLI side: open the store, import, print. */
export async function populationImportCommand(file: string, o: PopulationImportOptions & { db?: string; city: string; json?: boolean; quiet?: boolean }): Promise<PopulationImportSummary> {
  const { openStore } = await import('../store/driver.js');
  const store = await openStore(o.db);
  let s: PopulationImportSummary;
  try { s = await importPopulation(store, o.city, file, o); } finally { await store.close(); }
  if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
  else {
    process.stdout.write(`${s.source_id} (population ${s.kind === 'census' ? 'census 人口普查表' : 'raster 人口栅格'}${s.year ? `, ${s.year}` : ''}): ` +
      `${s.zones.toLocaleString('en')} ${s.kind === 'census' ? `areas 区域 (${String(s.details.level)})` : 'cells 栅格单元'}, ${Math.round(s.total).toLocaleString('en')} people 人` +
      `${s.households !== null ? `, ${Math.round(s.households).toLocaleString('en')} households 户` : ''}\n`);
  }
  return s;
}
