/**
 * GB 18306 seismic zoning polygons (地震动参数区划): `opencim safety import zones.geojson|zones.shp`.
 * Each polygon carries its seismic design intensity (抗震设防烈度) and/or its design peak ground
 * acceleration (设计基本地震加速度, g); when only the PGA is given, the intensity follows GB 18306 /
 * GB 50011 (0.05 g → VI, 0.10/0.15 g → VII, 0.20/0.30 g → VIII, 0.40 g → IX). One layer per city,
 * versioned: a re-import gives changed zones a new version and closes the zones gone from the file.
 * Any bad feature → an error naming the file, the feature and the field; nothing written.
 */
import { basename, extname } from 'node:path';
import type { Geometry } from '../../model/geometry.js';
import { IngestError } from '../../model/errors.js';
import { readFeatures } from '../../ingest/features.js';
import { openChangeset, sealChangeset, versioned, writeStaged } from '../../store/archive.js';
import { copyFields } from '../../store/tables.js';
import { toHexEwkb } from '../../store/wkb.js';
import type { Store } from '../../store/driver.js';

export const SEISMIC_ZONES = versioned('seismic_zones', 'seismic_zones', ['zone_id'], true);
const COLS = ['zone_id', 'name', 'intensity', 'pga_g', 'geom'];

/** property names read (case-insensitive), first found wins */
export const ZONE_FIELDS = {
  intensity: ['intensity', 'design_intensity', 'seismic_intensity', '抗震设防烈度', '设防烈度', '烈度'],
  pga: ['pga', 'pga_g', 'design_pga', '设计基本地震加速度', '地震动峰值加速度', '峰值加速度'],
  id: ['zone_id', 'id', 'code', '编号', '区划编号'],
  name: ['name', '名称', '区划名称'],
} as const;

const ROMAN: Record<string, number> = { V: 5, VI: 6, VII: 7, VIII: 8, IX: 9, X: 10 };

/** GB 18306 / GB 50011 Table 3.2.2: design basic acceleration → design intensity */
export function intensityFromPga(g: number): number | null {
  if (!(g > 0)) return null;
  if (g < 0.04) return null; // below 0.05 g: no seismic design intensity is assigned
  if (g < 0.09) return 6;
  if (g < 0.19) return 7;
  if (g < 0.38) return 8;
  return 9;
}

export function isZoneFile(file: string): boolean {
  return ['.geojson', '.json', '.shp', '.geojsonl', '.ndjson'].includes(extname(file).toLowerCase());
}

export interface ZoneImportSummary { file: string; kind: 'seismic_zones'; collection: 'seismic_zones'; rows: number; added: number; changed: number; unchanged: number; removed: number; changeset: number; from_pga: number }

function field(props: Record<string, unknown>, names: readonly string[]): [string, unknown] | undefined {
  const lower = new Map(Object.keys(props).map((k) => [k.trim().toLowerCase(), k]));
  for (const n of names) { const k = lower.get(n.toLowerCase()); if (k !== undefined && props[k] !== null && props[k] !== undefined && String(props[k]).trim() !== '') return [k, props[k]]; }
  return undefined;
}

/** Read and check a zoning layer: every problem named (feature number = 1-based position in the file), none written. */
export async function readZones(file: string, o: { encoding?: string; crs?: string } = {}) {
  const errors: string[] = [];
  const zones: { zone_id: string; name: string | null; intensity: number; pga_g: number | null; geom: string; fromPga: boolean }[] = [];
  const seen = new Map<string, number>();
  const where = (n: number, f?: string) => `feature ${n}${f ? `, field ${f}` : ''}`;
  for await (const f of readFeatures(file, { encoding: o.encoding, crs: o.crs })) {
    const n = f.index + 1;
    const g = f.geometry as Geometry;
    if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') { errors.push(`${file} (${where(n)}): a ${g.type}, not a polygon: a zoning layer holds polygons / 区划图应为面要素`); continue; }
    const props = f.properties ?? {};
    let intensity: number | null = null, pga: number | null = null;
    const fi = field(props, ZONE_FIELDS.intensity), fp = field(props, ZONE_FIELDS.pga);
    if (fp) {
      const t = String(fp[1]).trim().replace(/\s*g$/i, '');
      pga = /^\d*\.?\d+$/.test(t) ? Number(t) : NaN;
      if (!(pga > 0 && pga <= 2)) { errors.push(`${file} (${where(n, fp[0])}): "${fp[1]}" is not a peak ground acceleration in g (e.g. 0.15 or 0.15g) / 峰值加速度无效`); continue; }
    }
    if (fi) {
      const t = String(fi[1]).trim().replace(/度$/, '').toUpperCase();
      intensity = ROMAN[t] ?? (/^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN);
      if (!(intensity >= 5 && intensity <= 10)) { errors.push(`${file} (${where(n, fi[0])}): "${fi[1]}" is not a seismic intensity 5–10 (or VI–IX) / 烈度无效`); continue; }
    }
    const fromPga = intensity === null;
    if (intensity === null && pga !== null) intensity = intensityFromPga(pga);
    if (intensity === null) {
      errors.push(`${file} (${where(n)}): ${pga !== null ? `PGA ${pga} g is below 0.05 g: no design intensity (give one in an intensity field)` : `no seismic intensity: give a field ${ZONE_FIELDS.intensity.slice(0, 3).join(' / ')} (or 抗震设防烈度), or a PGA field ${ZONE_FIELDS.pga.slice(0, 2).join(' / ')}`} / 缺少抗震设防烈度`);
      continue;
    }
    const fid = field(props, ZONE_FIELDS.id);
    const id = fid ? String(fid[1]).trim() : f.id ?? `z${n}`;
    const prev = seen.get(id);
    if (prev !== undefined) { errors.push(`${file} (${where(n, fid?.[0] ?? 'id')}): zone id "${id}" already used by feature ${prev} / 区划编号重复`); continue; }
    seen.set(id, n);
    const fn = field(props, ZONE_FIELDS.name);
    const multi: Geometry = g.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [g.coordinates] } : g;
    zones.push({ zone_id: id, name: fn ? String(fn[1]).trim() : null, intensity, pga_g: pga, geom: toHexEwkb(multi), fromPga: fromPga && pga !== null });
    if (errors.length >= 1000) break;
  }
  if (!errors.length && !zones.length) errors.push(`${file}: no features / 没有要素`);
  if (errors.length) {
    const shown = errors.slice(0, 20);
    throw new IngestError(file, undefined, `\n${shown.join('\n')}${errors.length > 20 ? `\n... ${errors.length - 20} more / 另有 ${errors.length - 20} 处错误` : ''}\n${errors.length} error(s): nothing was imported / 有 ${errors.length} 处错误，未导入任何数据`);
  }
  return zones;
}

/** Write a city's zoning layer as one change set (zones gone from the file closed). */
export async function importSeismicZones(store: Store, city: string, file: string, o: { actor: string; reason?: string; encoding?: string; crs?: string }): Promise<ZoneImportSummary> {
  const zones = await readZones(file, o);
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id) VALUES ($1) ON CONFLICT DO NOTHING', [city]);
    const cs = await openChangeset(tx, { cityId: city, actor: o.actor, reason: o.reason ?? `seismic zoning import ${basename(file)}`, kind: 'import', sourceId: `safety:${basename(file)}` });
    const stage = 'stage_seismic_zones';
    await tx.exec(`DROP TABLE IF EXISTS ${stage}; CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${COLS.join(', ')} FROM ${SEISMIC_ZONES.table} LIMIT 0`);
    await tx.copyIn(stage, COLS, zones.map((z) => copyFields([z.zone_id, z.name, z.intensity, z.pga_g, z.geom])).join('\n') + '\n');
    // invalid rings (self-touching, bow-ties) repaired, as the city model's import does
    await tx.exec(`UPDATE ${stage} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) WHERE NOT ST_IsValid(geom)`);
    const w = await writeStaged(tx, SEISMIC_ZONES, cs, stage, { unique: true, closeMissing: { column: 'city_id', value: city } });
    await tx.exec(`DROP TABLE ${stage}`);
    await sealChangeset(tx, cs);
    return { file, kind: 'seismic_zones', collection: 'seismic_zones', rows: zones.length, added: w.added, changed: w.changed, unchanged: w.unchanged, removed: w.removed, changeset: cs.id, from_pga: zones.filter((z) => z.fromPga).length };
  });
}
