/**
 * The safety register in columnar form: one slot per building (profiled, or named by an
 * inspection), one per inspection. The kernels (due, checks, risk) read only these typed arrays,
 * so a register of a million buildings and three million inspections fits in a few hundred MB.
 */
import { GRADES, HAZARDS, MEASURES, parseDate, STRUCTURES, USES, type Inspection, type Profile } from './model.js';

/** "no date" in the Int32 day columns */
export const NO_DATE = -0x80000000;

export interface SafetyRegister {
  /** buildings */
  n: number;
  ids: string[];
  profiled: Uint8Array;
  /** 0 unknown */
  yearBuilt: Int16Array;
  /** 0 unknown (the rules use the default design life then) */
  designLife: Int16Array;
  /** index in STRUCTURES, -1 unknown */
  structure: Int8Array;
  /** -1 unknown */
  storeys: Int16Array;
  /** metres, NaN unknown */
  height: Float32Array;
  /** index in USES, -1 unknown */
  use: Int8Array;
  /** -1 unknown */
  households: Int32Array;
  /** -1 unknown, 0 no, 1 yes */
  groupRental: Int8Array;
  /** seismic design intensity, NaN unknown */
  seismic: Float32Array;
  /** where the intensity comes from: index in SEISMIC_BASIS (0 unknown, 1 the profile, 2 a zoning polygon, 3 the city-wide value) */
  seismicBasis: Uint8Array;
  /** the zoning polygon's id, for the buildings whose intensity comes from one */
  seismicZone: Map<number, string>;
  /** -1 unknown, 0 no, 1 yes (isolation or damping) */
  isolation: Int8Array;
  /** 1 when the city model names the building one of the eight types that need isolation in zones ≥ VIII */
  critical: Uint8Array;
  /** inspections */
  m: number;
  inspIds: string[];
  inspBuilding: Int32Array;
  inspDate: Int32Array;
  /** index in GRADES, -1 none */
  inspGrade: Int8Array;
  /** bit k = HAZARDS[k] */
  inspHazards: Uint8Array;
  /** index in MEASURES, -1 none */
  inspMeasure: Int8Array;
  inspDeadline: Int32Array;
  inspRemediated: Int32Array;
}

export function emptyRegister(n: number, m: number): SafetyRegister {
  return {
    n, ids: new Array<string>(n), profiled: new Uint8Array(n), yearBuilt: new Int16Array(n), designLife: new Int16Array(n),
    structure: new Int8Array(n).fill(-1), storeys: new Int16Array(n).fill(-1), height: new Float32Array(n).fill(NaN),
    use: new Int8Array(n).fill(-1), households: new Int32Array(n).fill(-1), groupRental: new Int8Array(n).fill(-1),
    seismic: new Float32Array(n).fill(NaN), seismicBasis: new Uint8Array(n), seismicZone: new Map(), isolation: new Int8Array(n).fill(-1), critical: new Uint8Array(n),
    m, inspIds: new Array<string>(m), inspBuilding: new Int32Array(m), inspDate: new Int32Array(m), inspGrade: new Int8Array(m).fill(-1),
    inspHazards: new Uint8Array(m), inspMeasure: new Int8Array(m).fill(-1), inspDeadline: new Int32Array(m).fill(NO_DATE), inspRemediated: new Int32Array(m).fill(NO_DATE),
  };
}

const idx = <T extends string>(list: readonly T[], v: T | null): number => (v === null ? -1 : list.indexOf(v));
const tri = (b: boolean | null): number => (b === null ? -1 : b ? 1 : 0);
const day = (s: string | null): number => (s === null ? NO_DATE : parseDate(s) ?? NO_DATE);

export function hazardMask(hs: readonly string[]): number {
  let m = 0;
  for (const h of hs) { const k = (HAZARDS as readonly string[]).indexOf(h); if (k >= 0) m |= 1 << k; }
  return m;
}
export function hazardList(mask: number): string[] {
  return HAZARDS.filter((_, k) => mask & (1 << k));
}

/** Build the register from records (tests, the store reader); `critical` = building ids of the eight critical types */
export function registerFrom(profiles: Profile[], inspections: Inspection[], critical: Iterable<string> = []): SafetyRegister {
  const index = new Map<string, number>();
  for (const p of profiles) if (!index.has(p.building_id)) index.set(p.building_id, index.size);
  for (const i of inspections) if (!index.has(i.building_id)) index.set(i.building_id, index.size);
  const r = emptyRegister(index.size, inspections.length);
  for (const [id, k] of index) r.ids[k] = id;
  for (const p of profiles) setProfile(r, index.get(p.building_id)!, p);
  inspections.forEach((x, j) => setInspection(r, j, index.get(x.building_id)!, x));
  for (const id of critical) { const k = index.get(id); if (k !== undefined) r.critical[k] = 1; }
  return r;
}

export function setProfile(r: SafetyRegister, k: number, p: Profile): void {
  r.profiled[k] = 1;
  r.yearBuilt[k] = p.year_built ?? 0;
  r.designLife[k] = p.design_life_years ?? 0;
  r.structure[k] = idx(STRUCTURES, p.structure);
  r.storeys[k] = p.storeys ?? -1;
  r.height[k] = p.height_m ?? NaN;
  r.use[k] = idx(USES, p.use);
  r.households[k] = p.households ?? -1;
  r.groupRental[k] = tri(p.group_rental);
  r.seismic[k] = p.seismic_intensity ?? NaN;
  r.seismicBasis[k] = p.seismic_intensity === null ? 0 : 1;
  r.isolation[k] = tri(p.isolation);
}

export function setInspection(r: SafetyRegister, j: number, building: number, x: Pick<Inspection, 'inspection_id' | 'date' | 'grade' | 'hazards' | 'measure' | 'deadline' | 'remediated_on'>): void {
  r.inspIds[j] = x.inspection_id;
  r.inspBuilding[j] = building;
  r.inspDate[j] = day(x.date);
  r.inspGrade[j] = idx(GRADES, x.grade);
  r.inspHazards[j] = hazardMask(x.hazards);
  r.inspMeasure[j] = idx(MEASURES, x.measure);
  r.inspDeadline[j] = day(x.deadline);
  r.inspRemediated[j] = day(x.remediated_on);
}

/**
 * Per building, its latest inspection as of day `asOf` (by date; on the same date the later one in
 * the register), -1 none. An inspection dated after `asOf` is not yet made on that day and is left
 * out; without `asOf`, every inspection counts (the register as it stands).
 */
export function latestInspections(r: SafetyRegister, asOf: number = Infinity): Int32Array {
  const last = new Int32Array(r.n).fill(-1);
  for (let j = 0; j < r.m; j++) {
    if (r.inspDate[j] > asOf) continue;
    const b = r.inspBuilding[j], cur = last[b];
    if (cur < 0 || r.inspDate[j] >= r.inspDate[cur]) last[b] = j;
  }
  return last;
}

/** Was inspection j's finding remediated by day `asOf`? (a remediation dated later is not yet done then) */
export function remediatedBy(r: SafetyRegister, j: number, asOf: number = Infinity): boolean {
  return r.inspRemediated[j] !== NO_DATE && r.inspRemediated[j] <= asOf;
}

/** Latest grade C or D not remediated (by `asOf`). */
export function openCD(r: SafetyRegister, j: number, asOf: number = Infinity): boolean {
  return j >= 0 && r.inspGrade[j] >= 2 && !remediatedBy(r, j, asOf);
}

/** What the health check reads of the register: the register and which change set it reflects. */
export interface SafetyCheckInput {
  register: SafetyRegister;
  profiles: number;
  inspections: number;
  /** the register's latest change set, and when it was recorded */
  changeset: number | null;
  recorded_at: string | null;
}

/** A city-wide seismic design intensity for the buildings whose profile gives none (a register sharing its arrays otherwise). */
export function withCityIntensity(r: SafetyRegister, intensity: number | undefined): SafetyRegister {
  if (intensity === undefined) return r;
  const seismic = Float32Array.from(r.seismic, (v) => (Number.isNaN(v) ? intensity : v));
  const seismicBasis = Uint8Array.from(r.seismicBasis, (v, k) => (Number.isNaN(r.seismic[k]) ? 3 : v));
  return { ...r, seismic, seismicBasis };
}

/** where a building's seismic intensity comes from (shown in risk factors and policy flags) */
export const SEISMIC_BASIS = ['unknown', 'profile', 'zone', 'city'] as const;

/** the basis of building b's intensity, for people: [English, 中文] */
export function seismicBasisText(r: SafetyRegister, b: number): [string, string] {
  switch (r.seismicBasis[b]) {
    case 1: return ['from the profile', '依据：房屋档案'];
    case 2: return [`from GB 18306 zone ${r.seismicZone.get(b) ?? '?'}`, `依据：地震区划 ${r.seismicZone.get(b) ?? '?'}`];
    case 3: return ['city-wide value', '依据：全市统一烈度'];
    default: return ['unknown', '未知'];
  }
}
