import { describe, expect, it } from 'vitest';
import { COLLECTION_BY_ID } from '../../src/catalog/collections.js';
import { compileCql2, Cql2Error, MAX_DEPTH, Params, parseCql2 } from '../../src/server/ogc/cql2.js';

const buildings = COLLECTION_BY_ID.get('buildings')!;
const sql = (f: string) => {
  const p = new Params();
  const where = compileCql2(parseCql2(f), buildings, p);
  return { where, values: p.values };
};
const err = (f: string): Cql2Error => {
  try { sql(f); } catch (e) { if (e instanceof Cql2Error) return e; throw e; }
  throw new Error(`no error for ${f}`);
};

describe('CQL2 text', () => {
  it('precedence: NOT binds tighter than AND, AND tighter than OR', () => {
    const t = parseCql2('a = 1 OR b = 2 AND NOT c = 3');
    expect(t.kind).toBe('or');
    if (t.kind !== 'or') return;
    expect(t.args[1].kind).toBe('and');
  });

  it('values become parameters with their types; names map to registry SQL', () => {
    const r = sql("height >= 10.5 AND use IN ('apartments', 'house') AND name LIKE '%楼''s%' AND residential = TRUE AND year BETWEEN 1990 AND 2000");
    expect(r.where).toBe('((t.height >= $1::double precision) AND (t.use = ANY($2::text[])) AND (t.name LIKE $3::text) AND (t.residential = $4::boolean) AND (t.year BETWEEN $5::double precision AND $6::double precision))');
    expect(r.values).toEqual([10.5, ['apartments', 'house'], "%楼's%", true, 1990, 2000]);
    expect(sql('"height" IS NOT NULL').where).toBe('(t.height IS NOT NULL)');
    expect(sql('NOT levels <> 3').where).toBe('(NOT (t.levels <> $1::double precision))');
    expect(sql('height < -3e1').values).toEqual([-30]);
  });

  it('spatial: S_INTERSECTS with BBOX or WKT, geometry validated', () => {
    const b = sql('S_INTERSECTS(geometry, BBOX(116.3, 39.9, 116.4, 40.0))');
    expect(b.where).toContain('ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326)');
    const w = sql('S_INTERSECTS(POINT(116.35 39.95), geometry)');
    expect(JSON.parse(w.values[0] as string)).toEqual({ type: 'Point', coordinates: [116.35, 39.95] });
    const mp = sql('s_intersects(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2))))');
    expect(JSON.parse(mp.values[0] as string).coordinates).toHaveLength(2);
    expect(err('S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))').message).toMatch(/closed/);
    expect(err('S_INTERSECTS(geometry, POINT(200 0))').message).toMatch(/CRS84/);
    expect(err('S_INTERSECTS(height, POINT(0 0))').message).toMatch(/needs the geometry/);
    expect(err('S_WITHIN(geometry, POINT(0 0))').message).toMatch(/not supported/);
  });

  it('errors carry the position', () => {
    expect(err('height > ').position).toBe(9);
    expect(err("name = 'abc").position).toBe(7);
    expect(err('height > 1 AND (levels < 2').position).toBe(26);
    expect(err('height ! 3').position).toBe(7);
    expect(err('nosuch = 1').message).toMatch(/unknown property "nosuch".*queryables/);
    expect(err('tags = 1').message).toMatch(/unknown property "tags"/);
    expect(err("height = 'x'").position).toBe(9);
    expect(err('residential > TRUE').message).toMatch(/does not apply to boolean/);
    expect(err('use LIKE 3').message).toMatch(/string pattern/);
    expect(err('height LIKE \'1%\'').message).toMatch(/LIKE needs a string property/);
    expect(err("DATE('2021-02-29') = year").message).toMatch(/invalid DATE/);
  });

  it('depth limit: parentheses and NOT chains', () => {
    const ok = '('.repeat(MAX_DEPTH - 1) + 'height > 1' + ')'.repeat(MAX_DEPTH - 1);
    expect(() => sql(ok)).not.toThrow();
    expect(err('('.repeat(MAX_DEPTH + 1) + 'height > 1' + ')'.repeat(MAX_DEPTH + 1)).message).toMatch(/nested too deeply/);
    expect(err('NOT '.repeat(MAX_DEPTH + 5) + 'height > 1').message).toMatch(/nested too deeply/);
    expect(err('('.repeat(100000)).message).toMatch(/longer than|nested/);
  });
});
