/**
 * Risk score per building (`opencim safety risk`): transparent factors, each scaled to 0–1 and
 * multiplied by its weight; the score is the sum of the points. Weights and scales are data
 * (./risk.json) and can be overridden; every factor is shown with its value, weight and points.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { civilFromDays, GRADES, STRUCTURES, USES } from './model.js';
import { hazardList, remediatedBy, seismicBasisText, type SafetyRegister } from './register.js';
import { overdueDays, type DueResult } from './due.js';

export const FACTORS = ['age_vs_design_life', 'structure', 'last_grade', 'overdue_checkup', 'seismic_intensity', 'height', 'crowding_use', 'open_hazards'] as const;
export type Factor = (typeof FACTORS)[number];

export interface RiskConfig {
  version: string;
  weights: Record<Factor, number>;
  age_full_ratio: number;
  structure: Record<string, number>;
  grade: Record<string, number>;
  overdue_full_days: number;
  seismic: Record<string, number>;
  isolation_factor: number;
  height_full_m: number;
  storey_height_m: number;
  use: Record<string, number>;
  group_rental: number;
  hazards_full: number;
  default_design_life_years?: number;
}

export function loadRiskConfig(weights: Partial<Record<Factor, number>> = {}): RiskConfig {
  const c = JSON.parse(readFileSync(fileURLToPath(new URL('../../../src/domains/safety/risk.json', import.meta.url)), 'utf8')) as RiskConfig;
  for (const k of Object.keys(weights)) if (!(FACTORS as readonly string[]).includes(k)) throw new Error(`unknown risk factor "${k}" (factors: ${FACTORS.join(', ')})`);
  return { ...c, weights: { ...c.weights, ...weights } };
}

/** the factor tables as arrays indexed by code (unknown last) */
interface Tables { structure: Float64Array; grade: Float64Array; use: Float64Array; seismic: (v: number) => number; w: Float64Array }
function tables(c: RiskConfig): Tables {
  const tab = (codes: readonly string[], m: Record<string, number>, unknown: string) => Float64Array.from([...codes, unknown], (k) => m[k] ?? 0);
  const levels = Object.keys(c.seismic).filter((k) => k !== 'unknown').map(Number).sort((a, b) => a - b);
  return {
    structure: tab(STRUCTURES, c.structure, 'unknown'),
    grade: tab(GRADES, c.grade, 'none'),
    use: tab(USES, c.use, 'unknown'),
    seismic: (v) => {
      if (!(v >= 0)) return c.seismic.unknown ?? 0;
      let s = 0;
      for (const l of levels) if (v >= l) s = c.seismic[String(l)];
      return s;
    },
    w: Float64Array.from(FACTORS, (f) => c.weights[f]),
  };
}

/** factor values scaled to 0–1 for building b, into out[0..7] */
function scaled(reg: SafetyRegister, due: DueResult, c: RiskConfig, t: Tables, asOfYear: number, b: number, out: Float64Array): void {
  const j = due.last[b];
  const life = reg.designLife[b] > 0 ? reg.designLife[b] : c.default_design_life_years ?? 50;
  out[0] = reg.yearBuilt[b] ? Math.min(1, Math.max(0, (asOfYear - reg.yearBuilt[b]) / life / c.age_full_ratio)) : 0.5;
  out[1] = t.structure[reg.structure[b] >= 0 ? reg.structure[b] : STRUCTURES.length];
  out[2] = t.grade[j >= 0 && reg.inspGrade[j] >= 0 ? reg.inspGrade[j] : GRADES.length];
  out[3] = Math.min(1, overdueDays(due, b) / c.overdue_full_days);
  out[4] = t.seismic(reg.seismic[b]) * (reg.isolation[b] === 1 ? c.isolation_factor : 1);
  const h = reg.height[b] >= 0 ? reg.height[b] : reg.storeys[b] > 0 ? reg.storeys[b] * c.storey_height_m : 0;
  out[5] = Math.min(1, h / c.height_full_m);
  out[6] = Math.max(t.use[reg.use[b] >= 0 ? reg.use[b] : USES.length], reg.groupRental[b] === 1 ? c.group_rental : 0);
  let hz = 0;
  if (j >= 0 && !remediatedBy(reg, j, due.asOf)) for (let m = reg.inspHazards[j]; m; m &= m - 1) hz++;
  out[7] = Math.min(1, hz / c.hazards_full);
}

/** scores of every building (the ranked list takes the top of it) */
export function computeRisk(reg: SafetyRegister, due: DueResult, c: RiskConfig): Float32Array {
  const t = tables(c);
  const year = civilFromDays(due.asOf)[0];
  const score = new Float32Array(reg.n);
  const v = new Float64Array(FACTORS.length);
  for (let b = 0; b < reg.n; b++) {
    scaled(reg, due, c, t, year, b, v);
    let s = 0;
    for (let k = 0; k < v.length; k++) s += v[k] * t.w[k];
    score[b] = s;
  }
  return score;
}

/** indices of the n highest scores, highest first (ties: register order) */
export function topN(score: Float32Array, n: number): Int32Array {
  const idx = new Int32Array(score.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((a, b) => score[b] - score[a] || a - b);
  return idx.subarray(0, Math.min(n, idx.length));
}

export interface RiskFactorRow {
  factor: Factor; value: number | string | null; weight: number; points: number;
  /** seismic_intensity only: where the intensity comes from (the profile, a GB 18306 zone, the city-wide value, or why it is unknown), and isolation */
  basis?: string;
  basis_zh?: string;
}
export interface RiskRow { building_id: string; score: number; factors: RiskFactorRow[] }

const r2 = (x: number) => Math.round(x * 100) / 100;

export function riskRow(reg: SafetyRegister, due: DueResult, c: RiskConfig, b: number): RiskRow {
  const t = tables(c);
  const year = civilFromDays(due.asOf)[0];
  const v = new Float64Array(FACTORS.length);
  scaled(reg, due, c, t, year, b, v);
  const j = due.last[b];
  const life = reg.designLife[b] > 0 ? reg.designLife[b] : c.default_design_life_years ?? 50;
  const raw: (number | string | null)[] = [
    reg.yearBuilt[b] ? r2((year - reg.yearBuilt[b]) / life) : null,
    reg.structure[b] >= 0 ? STRUCTURES[reg.structure[b]] : null,
    j >= 0 && reg.inspGrade[j] >= 0 ? GRADES[reg.inspGrade[j]] : null,
    overdueDays(due, b),
    reg.seismic[b] >= 0 ? reg.seismic[b] : null,
    reg.height[b] >= 0 ? r2(reg.height[b]) : reg.storeys[b] > 0 ? reg.storeys[b] * c.storey_height_m : null,
    reg.groupRental[b] === 1 ? 'group_rental' : reg.use[b] >= 0 ? USES[reg.use[b]] : null,
    j >= 0 && !remediatedBy(reg, j, due.asOf) ? hazardList(reg.inspHazards[j]).join(';') : null,
  ];
  const factors: RiskFactorRow[] = FACTORS.map((f, k) => ({ factor: f, value: raw[k], weight: t.w[k], points: r2(v[k] * t.w[k]) }));
  const seismic = factors[FACTORS.indexOf('seismic_intensity')];
  let [en, zh] = reg.seismic[b] >= 0 ? seismicBasisText(reg, b)
    : ['unknown: no intensity in the profile, no GB 18306 zone covers the building, no city-wide --intensity', '未知：房屋档案无设防烈度，无地震区划覆盖，未给全市烈度（--intensity）'];
  if (reg.seismic[b] >= 0 && reg.isolation[b] === 1) { en += `; isolated or damped (× ${c.isolation_factor})`; zh += `；已采用隔震减震（× ${c.isolation_factor}）`; }
  seismic.basis = en;
  seismic.basis_zh = zh;
  return { building_id: reg.ids[b], score: r2(factors.reduce((s, x) => s + v[FACTORS.indexOf(x.factor)] * x.weight, 0)), factors };
}
