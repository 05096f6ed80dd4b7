/**
 * Checkup-cycle rules as data (体检周期规则): one JSON file per city (rules/README.md documents
 * the format). A rule selects buildings by their profile and gives cycles by phase of life: from
 * an age in years after completion, or from the end of the design working life.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_DESIGN_LIFE, STRUCTURES, USES, daysFromCivil } from './model.js';

const Phase = z.object({
  /** 'age': from Jan 1 of (year built + years); 'design_life': from Jan 1 of (year built + design life + years) */
  from: z.enum(['age', 'design_life']),
  years: z.number().int().min(0).max(300).default(0),
  /** cycle in years while the phase applies */
  every: z.number().int().min(1).max(100),
}).strict();

const Rule = z.object({
  id: z.string().regex(/^[a-z0-9_.-]+$/),
  name_zh: z.string(),
  name_en: z.string(),
  when: z.object({
    use: z.array(z.enum(USES)).min(1).optional(),
    structure: z.array(z.enum(STRUCTURES)).min(1).optional(),
    min_households: z.number().int().min(0).optional(),
  }).strict().default({}),
  phases: z.array(Phase).min(1),
}).strict();

export const RuleSetSchema = z.object({
  id: z.string(),
  version: z.string(),
  name_zh: z.string(),
  name_en: z.string(),
  source: z.string(),
  /** design life assumed when a profile has none */
  default_design_life_years: z.number().int().min(1).default(DEFAULT_DESIGN_LIFE),
  notes: z.array(z.string()).default([]),
  rules: z.array(Rule).min(1),
}).strict();
export type RuleSet = z.infer<typeof RuleSetSchema>;

export const PRESETS = ['changsha', 'nantong'] as const;
/** the preset used where a city has stored no rules of its own (`opencim safety rules set`) and none are given */
export const DEFAULT_PRESET = 'nantong';
export const isPreset = (s: string): boolean => (PRESETS as readonly string[]).includes(s);
const RULES_DIR = fileURLToPath(new URL('../../../src/domains/safety/rules/', import.meta.url));

/** A preset name or a JSON file; a bad file → an error naming the file and the field. */
export function loadRules(nameOrFile: string): RuleSet {
  const file = isPreset(nameOrFile) ? `${RULES_DIR}${nameOrFile}.json` : nameOrFile;
  if (!existsSync(file)) throw new Error(`rules "${nameOrFile}": no such preset (${PRESETS.join(', ')}) or file / 没有这个规则`);
  let json: unknown;
  try { json = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new Error(`${file}: not JSON: ${(e as Error).message}`); }
  return parseRules(json, file);
}

export function parseRules(json: unknown, where = 'rules'): RuleSet {
  const r = RuleSetSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${where}: ${i.path.join('.') || '(top)'}: ${i.message} / 规则文件格式错误 (see src/domains/safety/rules/README.md)`);
  }
  const ids = new Set<string>();
  for (const rule of r.data.rules) {
    if (ids.has(rule.id)) throw new Error(`${where}: rule id "${rule.id}" appears twice`);
    ids.add(rule.id);
  }
  return r.data;
}

/** The rule set compiled for the kernel: bit masks and flat phase arrays. */
export interface CompiledRules {
  set: RuleSet;
  count: number;
  useMask: Uint32Array;
  structureMask: Uint32Array;
  minHouseholds: Int32Array;
  /** phases of rule r: phaseStart[r] .. phaseStart[r+1] */
  phaseStart: Int32Array;
  phaseFromDesign: Uint8Array;
  phaseYears: Int16Array;
  phaseEvery: Int16Array;
  defaultLife: number;
  /** days of Jan 1 of year y - JAN1_BASE */
  jan1: Int32Array;
}
export const JAN1_BASE = 1000;

export function compileRules(set: RuleSet): CompiledRules {
  const n = set.rules.length;
  const mask = (vals: readonly string[] | undefined, all: readonly string[]) => (vals ? vals.reduce((m, v) => m | (1 << all.indexOf(v)), 0) >>> 0 : 0xffffffff);
  const phases = set.rules.flatMap((r) => r.phases);
  const c: CompiledRules = {
    set, count: n,
    useMask: Uint32Array.from(set.rules, (r) => mask(r.when.use, USES)),
    structureMask: Uint32Array.from(set.rules, (r) => mask(r.when.structure, STRUCTURES)),
    minHouseholds: Int32Array.from(set.rules, (r) => r.when.min_households ?? -1),
    phaseStart: new Int32Array(n + 1),
    phaseFromDesign: Uint8Array.from(phases, (p) => (p.from === 'design_life' ? 1 : 0)),
    phaseYears: Int16Array.from(phases, (p) => p.years),
    phaseEvery: Int16Array.from(phases, (p) => p.every),
    defaultLife: set.default_design_life_years,
    jan1: new Int32Array(1600),
  };
  let k = 0;
  set.rules.forEach((r, i) => { c.phaseStart[i] = k; k += r.phases.length; });
  c.phaseStart[n] = k;
  for (let y = 0; y < c.jan1.length; y++) c.jan1[y] = daysFromCivil(y + JAN1_BASE, 1, 1);
  return c;
}
