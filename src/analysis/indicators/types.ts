import type { AccessResult } from '../network/access.js';
import type { Catalogue, CatalogueEntry, CheckParameters, Computability, Target } from './catalogue.js';
import type { CheckData } from './data.js';
import type { CoverageRaster } from './land-raster.js';
import type { AreaKind, AreaLevel, Units } from './units.js';

/** Everything an indicator may read: parameters, the city, its units, walking distances. */
export interface CheckContext {
  city: string;
  params: CheckParameters;
  catalogue: Catalogue;
  data: CheckData;
  units: Units;
  /** walking distances of every residential building to every taxonomy category */
  access: AccessResult;
  perCapitaM2: number;
  /** index of a category in `access.categories`, -1 when not computed */
  cat(id: string): number;
  /** metres from residential building i to category index c (Infinity beyond the cut-off, NaN unsnapped) */
  dist(c: number, i: number): number;
  /** the coverage raster (grid, residential land, built-up land, park union), built on first use */
  raster(): CoverageRaster;
  /** shared intermediate results (e.g. per-building living-circle completeness) */
  memo<T>(key: string, make: () => T): T;
  /** extra engine runs prepared before the indicators (e.g. parks by size class) */
  extra: Map<string, unknown>;
}

/** One value of an indicator for one area. */
export interface AreaValue {
  /** index into ctx.units.areas */
  area: number;
  value: number | null;
  /** appended to the indicator's method in `explain` */
  note?: string;
  /** the note in Chinese, appended to `explain_zh` (where the indicator gives one) */
  note_zh?: string;
  /** why there is no value (status no_data) */
  reason?: string;
  /** the reason in Chinese (else the English one is shown in `explain_zh`) */
  reason_zh?: string;
  details?: Record<string, unknown>;
  /** facility categories absent from the data (a data gap, shown as 无数据, never a shortfall) */
  gap?: string[];
  /**
   * A verdict on a rule that is not a target of the value, e.g. the height cap of the 2021 notice on
   * new buildings beside a count of tall buildings: said in `explain` and kept in `verdict`; the status
   * stays the catalogue's grading of the value (no_target when it has no target), since a status
   * pass/fail must be the value read against `target` (DESIGN.md).
   */
  verdict?: { rule: string; outcome: VerdictOutcome; why: string; why_zh: string };
}

/** within / over the rule; undetermined when the data cannot tell which rule applies (e.g. the city population is not given) */
export type VerdictOutcome = 'within' | 'over' | 'undetermined';

/**
 * The one contract every computed indicator implements (found through ./registry.ts):
 * its catalogue id, the data it reads, its unit (must match the catalogue), the levels it reports,
 * the method in words (with the parameters in force), and the computation.
 */
export interface Indicator {
  id: string;
  inputs: string[];
  unit: string;
  levels: AreaLevel[];
  explain(ctx: CheckContext): string;
  /**
   * The same method in Chinese (explain_zh), from the same branch as `explain`: with a value or without,
   * it says what the English says. Without it, ./explain-zh.ts holds the indicator's Chinese method.
   */
  explainZh?(ctx: CheckContext): string;
  compute(ctx: CheckContext): AreaValue[] | Promise<AreaValue[]>;
}

export type Status = 'pass' | 'fail' | 'no_target' | 'no_data';

/** One row of `indicators.json` (DESIGN.md contract plus a few fields). */
export interface IndicatorResult {
  id: string;
  name_zh: string;
  name_en: string;
  /** area level of the value (DESIGN.md): city | district | street | community */
  level: AreaLevel;
  /** the four-level system the indicator belongs to: housing | community | block | city */
  system_level: CatalogueEntry['level'];
  seq: number | null;
  area_id: string;
  area_name?: string;
  area_kind: AreaKind;
  value: number | null;
  unit: string;
  unit_zh: string;
  target: Target | null;
  status: Status;
  /** band grade for city-level values (很好/较好/一般/不足 where the catalogue gives bands) */
  grade?: { zh: string; en: string } | null;
  direction: CatalogueEntry['direction'];
  computability: Computability[];
  source: 'computed' | 'manual' | 'none';
  explain: string;
  details?: Record<string, unknown>;
  /** manual values: year and source of the figure */
  year?: number;
  data_source?: string;
  /** the method in Chinese (./explain-zh.ts), beside `explain` */
  explain_zh?: string;
  /** how sure the value is, and why (./confidence.ts rules; runCheck sets them on every value it makes) */
  confidence?: 'high' | 'medium' | 'low';
  confidence_reason?: string;
  /** the same reason in Chinese */
  confidence_reason_zh?: string;
  /** facility categories absent from the data: a data gap, not a shortfall */
  data_gap?: string[];
  /** the verdict on a rule beside the value (AreaValue.verdict); withheld when the value is of low confidence */
  verdict?: { rule: string; outcome: VerdictOutcome | 'withheld'; why: string; why_zh: string };
  /** --compare: the previous run's value and the change */
  previous?: { value: number | null; delta: number | null; change: 'improved' | 'worsened' | 'unchanged' | 'changed' | 'new' | 'not_comparable'; generated_at?: string };
}
