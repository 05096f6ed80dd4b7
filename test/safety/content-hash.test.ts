/**
 * The importer's content hash (src/store/content-hash.ts) against the archive's own SQL
 * expression, on values chosen to break a careless jsonb rendering: escapes, control characters,
 * non-BMP text, numbers JavaScript writes with an exponent, -0, empty arrays, nulls.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { contentColumns, contentHashSql } from '../../src/store/archive.js';
import { contentHasher, numericText, type HashValue } from '../../src/store/content-hash.js';
import { DRIVERS } from '../helpers/stores.js';

describe('numericText', () => {
  it('writes every number in plain decimal, as numeric does', () => {
    expect([1e21, 1.5e-7, -2.5e-10, 1e-7, 123.456, 0.1 + 0.2, -0, 5].map(numericText))
      .toEqual(['1000000000000000000000', '0.00000015', '-0.00000000025', '0.0000001', '123.456', '0.30000000000000004', '0', '5']);
  });
});

const PROFILES: Record<string, HashValue>[] = [
  { building_id: 'w1', year_built: 1988, design_life_years: null, structure: 'prefab_slab', storeys: 6, height_m: 17.5, use: 'residential', households: 24, group_rental: false, seismic_intensity: 8, isolation: false, owner: '张三, 李四', insured: true, fund: null },
  { building_id: 'w"2\\', height_m: 0.1 + 0.2, seismic_intensity: 7.5, owner: 'tab\there\nnew line\r\u0001\u001f\u007f \u2028 𠀀 😀 "quoted" back\\slash /' },
  { building_id: 'w3', height_m: 1e-7, storeys: 0, households: 0, group_rental: true, owner: '' },
  { building_id: 'w4', height_m: 999.9999999999999, year_built: 2200 },
  { building_id: 'w5', height_m: -0 },
];
const INSPECTIONS: Record<string, HashValue>[] = [
  { id: 'I1', building_id: 'w1', date: '2024-02-29', organisation: '市房屋安全鉴定中心', inspector: null, method: null, grade: 'C', hazards: ['structure', 'gas'], measure: 'observe', deadline: '2024-12-01', remediated_on: null, verified_by: null, photos: [] },
  { id: 'I"2', building_id: 'w\\2', date: '0999-01-01', grade: null, hazards: [], photos: ['sha256:ab', 'https://example.org/a b?x="1"&y=\\'] },
];

describe.each(DRIVERS)('content hash = the archive\'s SQL ($name)', (driver) => {
  it('agrees on every tricky value, for profiles and inspections', async () => {
    const store = await openStore(await driver.fresh());
    try {
      for (const [table, rows] of [['safety_profiles_versions', PROFILES], ['safety_inspections_versions', INSPECTIONS]] as const) {
        const cols = await contentColumns(store, table);
        const h = contentHasher(cols);
        const expr = await contentHashSql(store, table, 'r');
        for (const row of rows) {
          const full = Object.fromEntries(cols.map((c) => [c, row[c] ?? (c === 'hazards' || c === 'photos' ? [] : null)]));
          const sql = (await store.query<{ h: string; t: string }>(
            `SELECT encode(${expr}, 'hex') AS h FROM jsonb_populate_record(NULL::${table}, $1::jsonb) r`, [JSON.stringify(full)]))[0].h;
          expect(h.hex(full), `${table} ${JSON.stringify(row)}`).toBe(sql);
        }
      }
    } finally { await store.close(); }
  }, 120_000);
});
