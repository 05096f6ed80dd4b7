import type { CollectionSpec } from '../../catalog/collections.js';

/**
 * The operations domain's derived collections (the `cases` and `grids` collections themselves are
 * declared in src/catalog/collections.ts): `case_hotspots`, the unit grids that hold open cases,
 * with the counts the viewer's hot-spot layer (案件热点) colours by. Counted now, from
 * `cases_current`, by the grid each case was located in; duplicates (linked reports) are not
 * counted twice. The cases of a grid are found through the cases' spatial index (the grid's box)
 * and then by their grid code, so a tile costs the cases inside it, not all of the city's.
 */
const OPEN = `ARRAY['reported', 'accepted', 'dispatched', 'handled', 'verified']`;

export const CASE_HOTSPOTS = 'case_hotspots';

export const OPERATIONS_COLLECTIONS: CollectionSpec[] = [
  {
    id: CASE_HOTSPOTS, title: 'Case hot spots by unit grid', title_zh: '案件热点(单元网格)',
    description: 'Unit grids with open cases now: open, overdue and last-30-day case counts per grid (duplicates linked to another case not counted).',
    from: `(SELECT g.city_id, g.code, g.street, g.parent_code, g.geom, n.open_cases, n.overdue_cases, n.cases_30d
      FROM grids_current g
      CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE c.status = ANY(${OPEN}))::int AS open_cases,
               count(*) FILTER (WHERE c.status = ANY(${OPEN}) AND c.deadline < now())::int AS overdue_cases,
               count(*) FILTER (WHERE c.reported_at >= now() - interval '30 days')::int AS cases_30d
        FROM cases_current c
        WHERE c.city_id = g.city_id AND c.geom && g.geom AND c.grid_code = g.code AND c.duplicate_of IS NULL) n
      WHERE g.level = 'unit' AND n.open_cases > 0) t`,
    requires: ['grids_versions', 'cases_versions'],
    probe: `SELECT 1 FROM cases_current WHERE city_id = $1 AND grid_code IS NOT NULL LIMIT 1`,
    missingHint: 'no cases located in unit grids yet: `opencim grids generate` (or import), then cases reported inside them',
    key: [{ name: 'code', sql: 't.code' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      { name: 'code', title_zh: '网格编码', sql: 't.code', type: 'string', description: 'unit grid code', tile: true },
      { name: 'parent_code', title_zh: '上级网格', sql: 't.parent_code', type: 'string', description: 'the community (or street) grid it lies in' },
      { name: 'street', title_zh: '所属街道', sql: 't.street', type: 'string', description: 'street code' },
      { name: 'open_cases', title_zh: '在办案件数', sql: 't.open_cases', type: 'integer', description: 'open cases now (reported to verified)', tile: true },
      { name: 'overdue_cases', title_zh: '超时案件数', sql: 't.overdue_cases', type: 'integer', description: 'open cases past the deadline of their stage now', tile: true },
      { name: 'cases_30d', title_zh: '近30天案件数', sql: 't.cases_30d', type: 'integer', description: 'cases reported in the last 30 days (any status)', tile: true },
    ],
    tile: { minzoom: 12, maxzoom: 16, kind: 'polygon' },
  },
];
