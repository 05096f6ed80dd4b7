/**
 * Grids (网格化管理, GB/T 30428): city → district → street → community → unit grid, with codes.
 * Unit grids are imported (GeoJSON/Shapefile with codes) or generated: squares of `cell` metres
 * (100 m → 10,000 m²) in a local UTM projection, aligned to each community's south-west corner
 * and clipped to its boundary. Grid workers and departments are assigned to grids; a case is
 * located in its unit grid by point in polygon (store.ts gridAt). Every change is a new version.
 */
import type { Queryable, Store } from '../../store/driver.js';
import { copyValue } from '../../store/driver.js';
import { openChangeset, sealChangeset, writeStaged, appendVersion, ConflictError } from '../../store/archive.js';
import { readFeatures } from '../../ingest/features.js';
import { GRIDS, type OpsConfig, OpsError, opsConfig, UNIT_ID } from './store.js';

const STAGE_COLS = 'code text, level text, parent_code text, name text, street text, workers jsonb, assign jsonb, area_m2 double precision, geom geometry(MultiPolygon, 4326)';

async function stage(tx: Queryable): Promise<void> {
  await tx.exec(`DROP TABLE IF EXISTS grid_stage; CREATE TEMP TABLE grid_stage (${STAGE_COLS}) ON COMMIT DROP`);
}

/** write the staged grids as the city's grids (grids not staged are closed) */
async function commit(tx: Queryable, cityId: string, actor: string, reason: string) {
  // keep the workers and departments already assigned to a grid code that is staged again
  await tx.exec(`UPDATE grid_stage s SET workers = g.workers, assign = g.assign FROM grids_current g
    WHERE g.city_id = '${cityId.replace(/'/g, "''")}' AND g.code = s.code AND s.workers = '[]'::jsonb AND s.assign = '{}'::jsonb`);
  const cs = await openChangeset(tx, { cityId, actor, reason, kind: 'grids' });
  const r = await writeStaged(tx, GRIDS, cs, 'grid_stage', { closeMissing: { column: 'city_id', value: cityId } });
  await sealChangeset(tx, cs);
  return r;
}

async function admin(tx: Queryable, cityId: string) {
  // districts, streets and communities from the city model, with their parents by containment
  await tx.query(`INSERT INTO grid_stage (code, level, parent_code, name, street, workers, assign, area_m2, geom)
    SELECT a.id, a.level,
      (SELECT p.id FROM admin_areas_current p WHERE p.city_id = a.city_id AND p.admin_level < a.admin_level AND p.level IN ('district', 'street')
         AND ST_Contains(p.geom, ST_PointOnSurface(a.geom)) ORDER BY p.admin_level DESC LIMIT 1),
      a.name,
      CASE WHEN a.level = 'street' THEN a.id ELSE (SELECT p.id FROM admin_areas_current p WHERE p.city_id = a.city_id AND p.level = 'street'
         AND ST_Contains(p.geom, ST_PointOnSurface(a.geom)) LIMIT 1) END,
      '[]'::jsonb, '{}'::jsonb, ST_Area(a.geom::geography), a.geom
    FROM admin_areas_current a WHERE a.city_id = $1 AND a.level IN ('district', 'street', 'community')`, [cityId]);
}

/**
 * Generate unit grids of `cell` metres clipped to communities (or, without communities, to streets,
 * else to the extent of the city's data). Codes: `<community id>-<row><col>` (3 digits each).
 */
export async function generateGrids(store: Store, cityId: string, o: { cell?: number; actor: string }) {
  const cell = o.cell ?? 100;
  if (!(cell >= 10 && cell <= 2000)) throw new OpsError(400, `--cell must be from 10 to 2000 metres, got ${cell}`);
  return store.transaction(async (tx) => {
    await stage(tx);
    await admin(tx, cityId);
    const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM grid_stage WHERE level = 'community'`);
    const parentLevel = n > 0 ? 'community' : 'street';
    const [{ m }] = await tx.query<{ m: number }>(`SELECT count(*)::int AS m FROM grid_stage WHERE level = $1`, [parentLevel]);
    if (!m) {
      const [ext] = await tx.query<{ g: string | null }>(`SELECT ST_AsEWKT(ST_Multi(ST_Envelope(ST_Extent(bbox)))) AS g FROM sources WHERE city_id = $1`, [cityId]);
      if (!ext?.g) throw new OpsError(400, `city "${cityId}" has no communities, streets or data extent to lay grids on: import data first / 该城市没有社区边界或数据范围`);
      await tx.query(`INSERT INTO grid_stage VALUES ('CITY', 'community', NULL, $1, NULL, '[]', '{}', ST_Area($2::geometry::geography), $2::geometry)`, [cityId, ext.g]);
    }
    await tx.query(`
      WITH parents AS (
        SELECT code, street, geom, 32600 + (CASE WHEN ST_Y(ST_Centroid(geom)) < 0 THEN 100 ELSE 0 END)
               + floor((ST_X(ST_Centroid(geom)) + 180) / 6)::int + 1 AS srid
        FROM grid_stage WHERE level = $1 OR code = 'CITY'),
      local AS (SELECT code, street, srid, ST_Transform(geom, srid) AS g FROM parents),
      cells AS (
        SELECT l.code, l.street, l.srid, l.g, i, j,
          ST_MakeEnvelope(ST_XMin(l.g) + i * $2, ST_YMin(l.g) + j * $2, ST_XMin(l.g) + (i + 1) * $2, ST_YMin(l.g) + (j + 1) * $2, l.srid) AS sq
        FROM local l,
          generate_series(0, ceil((ST_XMax(l.g) - ST_XMin(l.g)) / $2)::int - 1) i,
          generate_series(0, ceil((ST_YMax(l.g) - ST_YMin(l.g)) / $2)::int - 1) j),
      clipped AS (
        SELECT code, street, i, j, ST_CollectionExtract(ST_Intersection(g, sq), 3) AS part
        FROM cells WHERE ST_Intersects(g, sq))
      INSERT INTO grid_stage (code, level, parent_code, name, street, workers, assign, area_m2, geom)
      SELECT code || '-' || lpad(j::text, 3, '0') || lpad(i::text, 3, '0'), 'unit', code, NULL, street, '[]', '{}',
        ST_Area(part), ST_Multi(ST_Transform(part, 4326))
      FROM clipped WHERE NOT ST_IsEmpty(part) AND ST_Area(part) >= 1`, [parentLevel, cell]);
    return commit(tx, cityId, o.actor, `grids generate --cell ${cell}`);
  });
}

const CODE_FIELDS = ['code', 'CODE', 'grid_code', 'GRID_CODE', 'gridcode', 'BGCODE', '网格编码', '编码'];
const NAME_FIELDS = ['name', 'NAME', '名称', '网格名称'];
const PARENT_FIELDS = ['parent', 'parent_code', 'PARENT', 'community', 'COMMUNITY', '社区编码'];
const pick = (p: Record<string, unknown>, fields: string[]) => { for (const f of fields) if (p[f] !== undefined && p[f] !== null && String(p[f]).trim() !== '') return String(p[f]).trim(); return undefined; };

/** Import unit grids with their codes from a GeoJSON or Shapefile (one transaction). */
export async function importGrids(store: Store, cityId: string, file: string, o: { actor: string; codeField?: string; nameField?: string; parentField?: string; workersField?: string; crs?: string; encoding?: string }) {
  const lines: string[] = [];
  const seen = new Set<string>();
  for await (const f of readFeatures(file, { crs: o.crs, encoding: o.encoding })) {
    const where = `${file}: feature ${f.index + 1}`;
    const code = pick(f.properties, o.codeField ? [o.codeField] : CODE_FIELDS);
    if (!code) throw new OpsError(400, `${where} has no grid code (field ${o.codeField ?? CODE_FIELDS.join('/')}) / 缺少网格编码`);
    if (!/^[\w.\-\u4e00-\u9fff]{1,64}$/.test(code)) throw new OpsError(400, `${where}: grid code "${code.slice(0, 70)}" must be 1-64 letters, digits, _ . -`);
    if (seen.has(code)) throw new OpsError(400, `${where}: grid code "${code}" appears twice / 网格编码重复`);
    seen.add(code);
    if (f.geometry.type !== 'Polygon' && f.geometry.type !== 'MultiPolygon') throw new OpsError(400, `${where} (${code}) is a ${f.geometry.type}, not a polygon`);
    const workers = o.workersField && f.properties[o.workersField] ? String(f.properties[o.workersField]).split(/[,;，]/).map((s) => s.trim()).filter(Boolean) : [];
    lines.push([code, pick(f.properties, o.nameField ? [o.nameField] : NAME_FIELDS), pick(f.properties, o.parentField ? [o.parentField] : PARENT_FIELDS), JSON.stringify(workers), JSON.stringify(f.geometry)].map(copyValue).join('\t'));
  }
  if (!lines.length) throw new OpsError(400, `${file} holds no grids`);
  return store.transaction(async (tx) => {
    await stage(tx);
    await admin(tx, cityId);
    await tx.exec('CREATE TEMP TABLE grid_raw (code text, name text, parent_code text, workers jsonb, gj text) ON COMMIT DROP');
    await tx.copyIn('grid_raw', ['code', 'name', 'parent_code', 'workers', 'gj'], lines.join('\n') + '\n');
    const bad = await tx.query<{ code: string; why: string }>(`SELECT code, ST_IsValidReason(ST_GeomFromGeoJSON(gj)) AS why FROM grid_raw WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(gj)) LIMIT 1`);
    if (bad.length) throw new OpsError(400, `${file}: grid ${bad[0].code} has an invalid polygon (${bad[0].why})`);
    await tx.exec(`INSERT INTO grid_stage (code, level, parent_code, name, street, workers, assign, area_m2, geom)
      SELECT r.code, 'unit', coalesce(r.parent_code, (SELECT s.code FROM grid_stage s WHERE s.level = 'community' AND ST_Contains(s.geom, ST_PointOnSurface(g.geom)) LIMIT 1)),
        r.name, (SELECT s.code FROM grid_stage s WHERE s.level = 'street' AND ST_Contains(s.geom, ST_PointOnSurface(g.geom)) LIMIT 1),
        r.workers, '{}', ST_Area(g.geom::geography), g.geom
      FROM grid_raw r, LATERAL (SELECT ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(r.gj), 4326)) AS geom) g
      WHERE NOT EXISTS (SELECT 1 FROM grid_stage x WHERE x.code = r.code)`);
    return commit(tx, cityId, o.actor, `grids import ${file}`);
  });
}

/** assign grid workers and department units to a grid: a new version of it */
export async function assignGrid(store: Store, cityId: string, code: string, o: { actor: string; workers?: string[]; assign?: Record<string, string>; expectedVersion?: number; ops?: OpsConfig }) {
  // FROM must be a department of the catalogue (a case's class names it), TO a unit id as dispatch takes one
  const departments = (o.ops ?? opsConfig()).catalogue.departments.map((d) => d.id);
  for (const [from, to] of Object.entries(o.assign ?? {})) {
    if (!departments.includes(from)) {
      throw new OpsError(400, `"${from.slice(0, 64)}" 不是案件分类目录中的部门（可用：${departments.join('、')}） / "${from.slice(0, 64)}" is no department of the case catalogue (departments: ${departments.join(', ')})`);
    }
    if (!UNIT_ID.test(to)) throw new OpsError(400, `部门单位 "${to.slice(0, 64)}" 只能含字母、数字、_ . : -（1-64 个） / the unit "${to.slice(0, 64)}" for ${from} must be 1-64 letters, digits, _ . : -`);
  }
  return store.transaction(async (tx) => {
    const [g] = await tx.query<Record<string, unknown>>(`SELECT code, level, parent_code, name, street, workers, assign, area_m2, ST_AsEWKT(geom) AS geom, version
      FROM grids_current WHERE city_id = $1 AND code = $2`, [cityId, code]);
    if (!g) throw new OpsError(404, `no grid ${code} in city ${cityId} / 没有该网格`);
    const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    const row = { code, level: g.level, parent_code: g.parent_code, name: g.name, street: g.street,
      workers: o.workers ?? j(g.workers), assign: { ...j(g.assign), ...(o.assign ?? {}) }, area_m2: Number(g.area_m2), geom: g.geom };
    const cs = await openChangeset(tx, { cityId, actor: o.actor, reason: `grids assign ${code}`, kind: 'grids' });
    try {
      const r = await appendVersion(tx, GRIDS, cs, row, { expectedVersion: o.expectedVersion ?? Number(g.version) });
      await sealChangeset(tx, cs);
      return { code, version: r.version, workers: row.workers, assign: row.assign };
    } catch (e) {
      if (e instanceof ConflictError) throw new OpsError(409, e.message, 'Conflict');
      throw e;
    }
  });
}

export async function gridSummary(q: Queryable, cityId: string) {
  return q.query<{ level: string; n: number; mean_m2: number }>(`SELECT level, count(*)::int AS n, avg(area_m2)::float8 AS mean_m2 FROM grids_current WHERE city_id = $1 GROUP BY level ORDER BY level`, [cityId]);
}
