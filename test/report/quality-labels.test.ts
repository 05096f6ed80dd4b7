import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import { registerFrom } from '../../src/domains/safety/register.js';
import type { Profile } from '../../src/domains/safety/model.js';
import { CATEGORIES } from '../../src/model/taxonomy.js';
import { reportData } from '../../src/report/html.js';
import { dataQuality, QUALITY_LABELS } from '../../src/report/quality.js';
import { PARAMS, town } from '../indicators/fixture.js';

/**
 * The data-quality table of report.html shows a label for every fact, never its key: every key that
 * dataQuality() writes into `layers` (with a house-safety register too, whose facts nest) has a Chinese
 * and an English label, and every facility category its names.
 */
const profile = (building_id: string, o: Partial<Profile>): Profile => ({
  building_id, year_built: null, design_life_years: null, structure: null, storeys: null, height_m: null, use: 'residential', households: null,
  group_rental: null, seismic_intensity: null, isolation: null, owner: null, insured: null, fund: null, ...o,
});

function keys(o: Record<string, unknown>, out: string[] = []): string[] {
  for (const [k, v] of Object.entries(o)) {
    if (k === 'layer' || k === 'zh' || k === 'en') continue;
    out.push(k);
    // by_category holds facility categories (named by the taxonomy), the other objects nest facts
    if (v && typeof v === 'object' && k !== 'by_category') keys(v as Record<string, unknown>, out);
  }
  return out;
}

describe('data-quality labels', () => {
  it('every fact of every layer has a zh and an en label, with and without a register', async () => {
    const cat = loadCatalogue('2025');
    const params = { ...cat.parameters, ...PARAMS } as typeof cat.parameters;
    const data = await checkDataFromRecords(town(), params);
    data.safety = { register: registerFrom([profile('w1', { height_m: 95 }), profile('w2', { year_built: 2001 }), profile('x9', { year_built: 1950, height_m: 120 })], []), profiles: 3, inspections: 0, changeset: 1, recorded_at: '2026-05-01T08:00:00Z' };
    const r = await runCheck(data, { city: 'town', params: PARAMS, access: { workers: 1 } });
    const q = dataQuality(r) as { layers: Record<string, unknown>[]; estimated: { zh: string; en: string }[]; no_value: { name_en?: string; name_zh: string }[] };
    const all = [...new Set(q.layers.flatMap((l) => keys(l)))];
    expect(all).toEqual(expect.arrayContaining(['from_register', 'not_in_model', 'year_built', 'by_category']));
    for (const k of all) {
      expect(QUALITY_LABELS[k], k).toBeDefined();
      expect(QUALITY_LABELS[k].zh, k).toMatch(/[\u3400-\u9fff]/);
      expect(QUALITY_LABELS[k].en, k).not.toMatch(/[\u3400-\u9fff]|_/);
    }
    for (const l of q.layers) expect(l.en, String(l.layer)).toEqual(expect.any(String));
    // the built-up estimate says its distance, not the parameter's name alone
    const built = q.estimated.find((e) => e.en.startsWith('built-up land'))!;
    expect(built.zh).toContain(`建筑周边 ${params.built_up_buffer_m} 米范围`);
    expect(built.en).toContain(`within ${params.built_up_buffer_m} m of a building`);
    // indicators without a value carry both names
    for (const x of q.no_value) expect(x.name_en, x.name_zh).toEqual(expect.any(String));
    // the report carries the labels and every category's names
    const d = reportData(r) as { quality_labels: typeof QUALITY_LABELS; category_names: Record<string, { zh: string; en: string }>; meta: { units_zh: Record<string, string>; units: Record<string, string> } };
    expect(d.quality_labels).toBe(QUALITY_LABELS);
    for (const c of CATEGORIES) expect(d.category_names[c.id]).toEqual({ zh: c.name_zh, en: c.name_en });
    expect(Object.keys(d.meta.units_zh).sort()).toEqual(Object.keys(d.meta.units).sort());
    for (const v of Object.values(d.meta.units_zh)) expect(v).toMatch(/[\u3400-\u9fff]/);
  });
});
