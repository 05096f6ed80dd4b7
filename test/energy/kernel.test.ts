import { describe, expect, it } from 'vitest';
import { eraOf, USE_CODE, useFromTags } from '../../src/domains/energy/classify.js';
import { applyMetered, estimateInventory, FLOOR_BASIS, type EnergyBuildings } from '../../src/domains/energy/inventory.js';
import { loadEnergyParams, ZONES, USES } from '../../src/domains/energy/params.js';
import { rankRetrofit } from '../../src/domains/energy/retrofit.js';
import { chooseZone } from '../../src/domains/energy/zone.js';

// the tables these hand-worked figures come from, pinned: a new edition is a new file
const p = loadEnergyParams({ eui: '2025', factors: '2023', zones: '2025' });

function buildings(rows: { area: number; levels?: number; height?: number; year?: number; use: keyof typeof USE_CODE }[]): EnergyBuildings {
  const n = rows.length;
  return {
    count: n, ids: rows.map((_, i) => `w${i + 1}`), lon: new Float64Array(n), lat: new Float64Array(n),
    area_m2: Float64Array.from(rows, (r) => r.area), height: Float32Array.from(rows, (r) => r.height ?? NaN),
    levels: Float32Array.from(rows, (r) => r.levels ?? NaN), year: Int16Array.from(rows, (r) => r.year ?? 0), use: Uint8Array.from(rows, (r) => USE_CODE[r.use]),
  };
}

describe('parameter tables', () => {
  it('every EUI cell names its source and is labelled an estimate; grid factors are the MEE 2023 values', () => {
    for (const u of USES) for (const z of ZONES) {
      const c = p.eui.table[u][z];
      expect(c.source.length).toBeGreaterThan(10);
      expect(c.estimate).toBe(true);
      if (!p.zones.zones[z].district_heating) expect(c.heat_gj_m2).toBe(0);
    }
    expect(p.factors.grids.national.kgco2_per_kwh).toBe(0.5306);
    expect(p.factors.grids.southwest.kgco2_per_kwh).toBe(0.2472);
    expect(p.factors.grids.north.estimate).toBe(false);
    expect(p.factors.gas.estimate).toBe(true);
    expect(() => loadEnergyParams({ eui: '1999' })).toThrow(/no eui table version "1999".*available: 2025/);
  });
});

describe('floor area bases', () => {
  it('levels, else height ÷ 3 m, else the use default', () => {
    const inv = estimateInventory(buildings([
      { area: 100, levels: 5, height: 40, use: 'office' }, // levels win: 100 × 5 = 500
      { area: 100, height: 10, use: 'office' },            // 10 ÷ 3 = 3.33 → 3: 100 × 3 = 300
      { area: 100, height: 1, use: 'office' },             // 1 ÷ 3 → 0, at least 1: 100
      { area: 100, use: 'office' },                        // office default 8: 800
      { area: 100, use: 'residential' },                   // residential default 6: 600
      { area: 100, use: 'industrial' },                    // industrial default 1: 100
      { area: 0, levels: 3, use: 'other' },                // no footprint: 0
    ]), p, 'cold', 'north');
    expect(Array.from(inv.floor)).toEqual([500, 300, 100, 800, 600, 100, 0]);
    expect(Array.from(inv.floorBasis, (k) => FLOOR_BASIS[k])).toEqual(['levels', 'height', 'height', 'default', 'default', 'default', 'levels']);
  });
});

describe('era', () => {
  it('from the construction year by the table ranges', () => {
    expect([1950, 1985, 1986, 2005, 2006, 2015, 2016, 2030, 0].map((y) => eraOf(y, p.eui.eras)))
      .toEqual(['pre1986', 'pre1986', '1986_2005', '1986_2005', '2006_2015', '2006_2015', '2016_on', '2016_on', 'unknown']);
  });
});

describe('use from tags', () => {
  it('building values, building:use, amenity, tourism, office, shop; nothing → null', () => {
    expect(useFromTags('apartments', {})).toBe('residential');
    expect(useFromTags('commercial', {})).toBe('office');
    expect(useFromTags('yes', { 'building:use': 'retail' })).toBe('retail');
    expect(useFromTags('yes', { amenity: 'hospital' })).toBe('health');
    expect(useFromTags('yes', { tourism: 'hotel' })).toBe('hotel');
    expect(useFromTags('yes', { office: 'company' })).toBe('office');
    expect(useFromTags('warehouse', {})).toBe('industrial');
    expect(useFromTags('university', {})).toBe('education');
    expect(useFromTags('yes', { name: 'x' })).toBeNull();
  });
});

describe('zone lookup', () => {
  const at = (lon: number, lat: number, o = {}) => chooseZone(p.zones, [lon], [lat], o);
  it('nearest reference city: its zone, its province\'s grid', () => {
    expect([at(126.6, 45.7).zone, at(126.6, 45.7).grid]).toEqual(['severe_cold', 'northeast']); // Harbin
    expect([at(116.3, 40.0).zone, at(116.3, 40.0).grid]).toEqual(['cold', 'north']);            // Beijing, Haidian
    expect([at(121.5, 31.2).zone, at(121.5, 31.2).grid]).toEqual(['hscw', 'east']);             // Shanghai
    expect([at(114.3, 30.5).zone, at(114.3, 30.5).grid]).toEqual(['hscw', 'central']);          // Wuhan
    expect([at(104.1, 30.6).zone, at(104.1, 30.6).grid]).toEqual(['hscw', 'southwest']);        // Chengdu
    expect([at(114.2, 22.7).zone, at(114.2, 22.7).grid]).toEqual(['hsww', 'south']);            // Shenzhen, Longgang
    expect([at(102.7, 25.0).zone, at(102.7, 25.0).grid]).toEqual(['mild', 'south']);            // Kunming
    expect(at(126.6, 45.7).nearest?.name_en).toBe('Harbin');
    expect(at(126.6, 45.7).district_heating).toBe(true);
    expect(at(114.2, 22.7).district_heating).toBe(false);
  });
  it('overrides, and the median location of many buildings', () => {
    const z = at(116.3, 40.0, { zone: 'hscw', grid: 'national' });
    expect([z.zone, z.grid, z.zone_from, z.grid_from, z.district_heating]).toEqual(['hscw', 'national', 'override', 'override', false]);
    // two buildings in Beijing, one far away in Kunming: the median is in Beijing
    expect(chooseZone(p.zones, [116.3, 116.4, 102.7], [40.0, 39.9, 25.0]).nearest?.name_en).toBe('Beijing');
  });
});

describe('factor arithmetic', () => {
  it('office, cold zone, 2010, North grid', () => {
    const inv = estimateInventory(buildings([{ area: 100, levels: 5, year: 2010, use: 'office' }]), p, 'cold', 'north');
    // cell office × cold: 70 kWh, 0.5 m³, 0.32 GJ per m²; era 2006_2015 factors 1.0, 1.0, 0.9; floor 500 m²
    expect(inv.electricity[0]).toBeCloseTo(500 * 70, 6);        // 35,000 kWh
    expect(inv.gas[0]).toBeCloseTo(500 * 0.5, 6);               // 250 m³
    expect(inv.heat[0]).toBeCloseTo(500 * 0.32 * 0.9, 6);       // 144 GJ
    // 35,000 × 0.6361 + 250 × 2.16 + 144 × 110 = 22,263.5 + 540 + 15,840 = 38,643.5 kg
    expect(inv.co2e[0]).toBeCloseTo(38643.5, 6);
    // (35,000 + 250 × 10.81 + 144 × 277.78) ÷ 500 = (35,000 + 2,702.5 + 40,000.32) ÷ 500 = 155.40564
    expect(inv.eui[0]).toBeCloseTo(155.40564, 6);
  });
  it('residential, hot-summer-warm-winter, 2020, South grid: no district heat', () => {
    const inv = estimateInventory(buildings([{ area: 100, height: 9, year: 2020, use: 'residential' }]), p, 'hsww', 'south');
    // floor 100 × 3 = 300; cell 32 kWh, 1.8 m³; era 2016_on 0.95, 0.95 → 9,120 kWh, 513 m³, 0 GJ
    expect([inv.electricity[0], inv.gas[0], inv.heat[0]].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([9120, 513, 0]);
    // 9,120 × 0.4042 + 513 × 2.16 = 3,686.304 + 1,108.08 = 4,794.384 kg
    expect(inv.co2e[0]).toBeCloseTo(4794.384, 6);
  });
  it('district heat is counted only in zones that have it, whatever the table says', () => {
    const cold = estimateInventory(buildings([{ area: 100, levels: 1, use: 'residential' }]), p, 'severe_cold', 'northeast');
    // severe cold residential 0.45 GJ/m², era unknown factor 1: 45 GJ; 45 × 110 = 4,950 kg of the CO2e
    expect(cold.heat[0]).toBeCloseTo(45, 9);
    expect(cold.co2e[0]).toBeCloseTo(100 * 22 * 0.5122 + 100 * 2.0 * 2.16 + 45 * 110, 6);
  });
  it('metered carriers replace the estimate; a blank carrier keeps it', () => {
    const inv = estimateInventory(buildings([{ area: 100, levels: 5, year: 2010, use: 'office' }, { area: 100, levels: 5, year: 2010, use: 'office' }]), p, 'cold', 'north');
    applyMetered(inv, p, new Map([[1, { electricity_kwh: 20000, heat_gj: 100 }]]));
    expect(Array.from(inv.metered)).toEqual([0, 2]);   // partly metered: its gas is still the estimate
    expect([inv.electricity[1], inv.gas[1], inv.heat[1]]).toEqual([20000, 250, 100]);
    // 20,000 × 0.6361 + 250 × 2.16 + 100 × 110 = 12,722 + 540 + 11,000 = 24,262 kg
    expect(inv.co2e[1]).toBeCloseTo(24262, 6);
    expect(inv.co2e[0]).toBeCloseTo(38643.5, 6);
  });
});

describe('retrofit ranking', () => {
  it('the top candidates by CO2e saved (= CO2e × era share), as a full sort would give them', () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ area: 50 + ((i * 7919) % 997), levels: 1 + (i % 9), year: [1970, 1990, 2010, 2020, 0][i % 5], use: USES[i % USES.length] }));
    const b = buildings(rows);
    const inv = estimateInventory(b, p, 'cold', 'north');
    const share = { pre1986: 0.35, '1986_2005': 0.25, '2006_2015': 0.1, '2016_on': 0, unknown: 0.15 } as const;
    const brute = rows.map((r, i) => ({ id: b.ids[i], saved: inv.co2e[i] * share[r.year === 0 ? 'unknown' : r.year < 1986 ? 'pre1986' : r.year <= 2005 ? '1986_2005' : r.year <= 2015 ? '2006_2015' : '2016_on'] }))
      .filter((x) => x.saved > 0).sort((x, y) => y.saved - x.saved || (x.id < y.id ? -1 : 1));
    const r = rankRetrofit(b, inv, p, 25);
    expect(r.eligible).toBe(400); // the 2016-on fifth saves nothing
    expect(r.candidates.map((c) => c.building_id)).toEqual(brute.slice(0, 25).map((x) => x.id));
    expect(r.candidates[0].saved_co2e_kg).toBeCloseTo(brute[0].saved, 9);
    expect(r.saved_co2e_kg).toBeCloseTo(brute.reduce((a, x) => a + x.saved, 0), 6);
  });
});
