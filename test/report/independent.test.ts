import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { openStore } from '../../src/store/driver.js';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

/**
 * An independent re-computation (issue 10 §3) of road network density and park green per capita on a
 * real extract, in PostGIS vector geometry (buffers, unions, intersections on the ellipsoid) instead of
 * OpenCIM's raster and walk-network code, from the definitions written in `explain`:
 * - built-up land = union of 100 m buffers around building centroids and residential land;
 * - roads = walk edges of the counted classes whose midpoint is not inside residential, industrial,
 *   education, military or religious land nor a school/hospital ground, clipped to built-up land;
 *   a named one-way way with a same-name, same-class one-way way within 60 m of its midpoint counts half;
 * - residents = footprint × storeys ÷ 40 m² (storeys: building:levels, else round(height ÷ 3), else 6 for
 *   apartments/dormitories and for yes/residential inside residential land, else 2);
 * - park land = union of the park polygons within park_network_m (500 m) of a residential building centroid.
 */
const P = loadCatalogue('2025').parameters;

describe('independent re-computation in PostGIS (beijing-haidian-cau)', () => {
  it('road network density and park green per capita agree with opencim check', async () => {
    const db = await DRIVERS[0].fresh();
    const file = dataFile('beijing-haidian-cau.osm.pbf');
    expect((await runCli(['import', file, '--db', db, '--city', 'cau', '-q'])).code).toBe(0);
    const out = tempDir('indep-');
    const r = await runCli(['check', '--db', db, '--out', out, '-q', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'indicators.json'), 'utf8')) as { indicators: { id: string; level: string; value: number | null; details?: Record<string, unknown> }[] };
    const at = (id: string) => doc.indicators.find((x) => x.id === id && x.level === 'city')!;
    const store = await openStore(db);
    try {
      const [row] = await store.query<{ built_km2: number; road_km: number }>(`
        WITH res AS (SELECT geom FROM land_use_current WHERE city_id = $1 AND (landuse = 'residential' OR tags ? 'residential') AND coalesce(tags->>'residential', '') <> 'rural'),
        internal AS (
          SELECT geom FROM land_use_current WHERE city_id = $1 AND landuse = ANY($4) AND NOT (tags ? 'residential')
          UNION ALL SELECT geom FROM facilities_current WHERE city_id = $1 AND category = ANY($5) AND GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')),
        built AS (SELECT ST_Union(g) AS g FROM (
          SELECT ST_Buffer(ST_Centroid(geom)::geography, $2, 'quad_segs=16')::geometry AS g FROM buildings_current WHERE city_id = $1
          UNION ALL SELECT geom FROM res) x),
        roads AS (
          SELECT e.id, e.highway, e.name, e.tags->>'oneway' IN ('yes', '1', '-1') AS oneway, e.geom, ST_LineInterpolatePoint(e.geom, 0.5) AS mid
          FROM walk_edges_current e WHERE e.city_id = $1 AND e.highway = ANY($3)),
        kept AS (
          SELECT r.* FROM roads r
          WHERE NOT EXISTS (SELECT 1 FROM res WHERE ST_Intersects(res.geom, r.mid)) AND NOT EXISTS (SELECT 1 FROM internal i WHERE ST_Intersects(i.geom, r.mid))),
        weighted AS (
          SELECT k.geom, CASE WHEN k.oneway AND k.name IS NOT NULL AND EXISTS (
            SELECT 1 FROM roads o WHERE o.id <> k.id AND o.oneway AND o.name = k.name
              AND regexp_replace(o.highway, '_link$', '') = regexp_replace(k.highway, '_link$', '')
              AND ST_DWithin(o.geom::geography, k.mid::geography, $6)) THEN 0.5 ELSE 1 END AS w
          FROM kept k)
        SELECT (SELECT ST_Area(g::geography) / 1e6 FROM built) AS built_km2,
               (SELECT sum(w * ST_Length(ST_Intersection(weighted.geom, built.g)::geography)) / 1000 FROM weighted, built) AS road_km`,
        ['cau', P.built_up_buffer_m, P.road_highways, ['industrial', 'education', 'military', 'religious'], ['primary_school', 'middle_school', 'kindergarten', 'hospital'], P.carriageway_pair_m]);
      const road = at('road_network_density');
      const density = Number(row.road_km) / Number(row.built_km2);
      console.log(`road density: opencim ${road.value} km/km² (${road.details!.road_km} km on ${road.details!.built_up_km2} km²), PostGIS ${density.toFixed(3)} (${Number(row.road_km).toFixed(3)} km on ${Number(row.built_km2).toFixed(4)} km²)`);
      expect(Math.abs(Number(row.built_km2) / (road.details!.built_up_km2 as number) - 1)).toBeLessThan(0.02);
      expect(Math.abs(road.value! / density - 1)).toBeLessThan(0.03);

      const [pp] = await store.query<{ park_m2: number; residents: number }>(`
        WITH res AS (SELECT geom FROM land_use_current WHERE city_id = $1 AND (landuse = 'residential' OR tags ? 'residential')),
        b AS (SELECT area_m2, use, CASE WHEN levels > 0 THEN levels WHEN height > 0 THEN greatest(1, round((height / 3)::numeric))
                 WHEN use IN ('apartments', 'dormitory') THEN 6
                 WHEN use IN ('yes', '', 'residential') AND EXISTS (SELECT 1 FROM res WHERE ST_Intersects(res.geom, ST_Centroid(bb.geom))) THEN 6 ELSE 2 END AS storeys
              FROM buildings_current bb WHERE city_id = $1 AND residential)
        , serving AS (SELECT ST_Union(ST_Buffer(ST_Centroid(geom)::geography, $2, 'quad_segs=16')::geometry) AS g FROM buildings_current WHERE city_id = $1 AND residential)
        SELECT (SELECT ST_Area(ST_Intersection(ST_Union(p.geom), (SELECT g FROM serving))::geography) FROM facilities_current p
                WHERE city_id = $1 AND category = 'park' AND GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')) AS park_m2,
               (SELECT sum(area_m2 * storeys / 40) FROM b) AS residents`, ['cau', P.park_network_m]);
      const park = at('park_green_per_capita');
      const perCapita = Number(pp.park_m2) / Number(pp.residents);
      console.log(`park green per capita: opencim ${park.value} m²/person (${park.details!.park_m2} m², ${park.details!.residents} residents), PostGIS ${perCapita.toFixed(2)} (${Math.round(Number(pp.park_m2))} m², ${Math.round(Number(pp.residents))} residents)`);
      expect(Math.abs(Number(pp.residents) / (park.details!.residents as number) - 1)).toBeLessThan(0.005);
      expect(Math.abs(park.value! / perCapita - 1)).toBeLessThan(0.02);
    } finally { await store.close(); }
  }, 600_000);
});
