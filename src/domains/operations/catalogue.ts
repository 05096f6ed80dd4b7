/**
 * The case classes catalogue (catalogue/<version>.json): event and part classes (事件/部件, after
 * GB/T 30428), each with its responsible department, the time limit of every stage in working
 * hours, and its Open311 service_code / group / keywords / attribute definitions. A default ships;
 * a city replaces it with a file of the same shape (`loadCatalogue(path)`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const DIR = fileURLToPath(new URL('../../../src/domains/operations/catalogue/', import.meta.url));
export const DEFAULT_CATALOGUE = '2026.1';

export const STAGES = ['accept', 'dispatch', 'handle', 'verify', 'close'] as const;
export type Stage = (typeof STAGES)[number];

const code = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (1-64)');
const attribute = z.object({
  code,
  datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
  required: z.boolean(),
  order: z.number().int(),
  description: z.string(),
  datatype_description: z.string().optional(),
  values: z.array(z.object({ key: code, name: z.string() })).optional(),
}).refine((a) => !a.datatype.endsWith('valuelist') || (a.values?.length ?? 0) > 0, 'a value list needs values');
const hours = z.number().positive().max(10_000);
const caseClass = z.object({
  code: z.string().min(1),
  kind: z.enum(['event', 'part']),
  service_code: code,
  name_zh: z.string().min(1),
  name_en: z.string().min(1),
  description: z.string(),
  group: z.string().min(1),
  keywords: z.array(z.string().regex(/^[^,]+$/, 'no commas in a keyword')),
  department: z.string(),
  limits: z.object({ accept: hours, dispatch: hours, handle: hours, verify: hours, close: hours }).strict(),
  attributes: z.array(attribute),
});
const file = z.object({
  id: z.string(),
  version: z.string(),
  name_zh: z.string(),
  name_en: z.string(),
  calendar: z.string(),
  stages: z.array(z.enum(STAGES)),
  duplicate: z.object({ radius_m: z.number().nonnegative(), window_hours: z.number().nonnegative() }),
  departments: z.array(z.object({ id: code, name_zh: z.string(), name_en: z.string() })),
  classes: z.array(caseClass).min(1),
});

export type CaseClass = z.infer<typeof caseClass>;
export type Attribute = z.infer<typeof attribute>;
export type CatalogueFile = z.infer<typeof file>;
export interface Catalogue extends CatalogueFile { byService: Map<string, CaseClass> }

/** Validate a parsed catalogue: shape, unique service codes, departments that exist. */
export function parseCatalogue(json: unknown, where = 'catalogue'): Catalogue {
  const r = file.safeParse(json);
  if (!r.success) throw new Error(`${where} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const c = r.data;
  const deps = new Set(c.departments.map((d) => d.id));
  const byService = new Map<string, CaseClass>();
  for (const [i, k] of c.classes.entries()) {
    if (byService.has(k.service_code)) throw new Error(`${where}: classes[${i}].service_code "${k.service_code}" appears twice`);
    if (!deps.has(k.department)) throw new Error(`${where}: classes[${i}].department "${k.department}" is not in departments`);
    const seen = new Set<string>();
    for (const a of k.attributes) {
      if (seen.has(a.code)) throw new Error(`${where}: classes[${i}] attribute "${a.code}" appears twice`);
      seen.add(a.code);
    }
    byService.set(k.service_code, k);
  }
  return { ...c, byService };
}

export function catalogueVersions(): string[] {
  return readdirSync(DIR).filter((f) => /^\d.*\.json$/.test(f)).map((f) => f.replace(/\.json$/, '')).sort();
}

/** a shipped version (e.g. "2026.1") or a path to a city's own catalogue file */
export function loadCatalogue(versionOrPath: string = DEFAULT_CATALOGUE): Catalogue {
  const path = existsSync(versionOrPath) ? versionOrPath : `${DIR}${versionOrPath}.json`;
  if (!existsSync(path)) throw new Error(`case catalogue "${versionOrPath}" not found (shipped: ${catalogueVersions().join(', ')}; or give a file path) / 找不到案件分类目录`);
  return parseCatalogue(JSON.parse(readFileSync(path, 'utf8')), path);
}

export function calendarPath(id: string): string {
  return existsSync(id) ? id : `${DIR}calendar-${id}.json`;
}

/** total working hours of the stages from `from` (inclusive) to the end of the cycle */
export function remainingHours(k: CaseClass, from: Stage): number {
  return STAGES.slice(STAGES.indexOf(from)).reduce((s, st) => s + k.limits[st], 0);
}

/**
 * Check Open311 attribute values against a class's definitions; returns the cleaned values
 * (numbers as numbers, lists as arrays) or throws with the attribute named. Attributes the class
 * does not define are left out (clients such as FixMyStreet send their own, e.g. attribute[uprn]).
 */
export function validateAttributes(k: CaseClass, given: Record<string, string | string[]>): Record<string, string | number | string[]> {
  const out: Record<string, string | number | string[]> = {};
  const defs = new Map(k.attributes.map((a) => [a.code, a]));
  for (const a of k.attributes) {
    const v = given[a.code];
    const empty = v === undefined || (Array.isArray(v) ? v.length === 0 : v === '');
    if (empty) {
      if (a.required) throw new AttributeError(`attribute[${a.code}] is required for service ${k.service_code} (${a.description})`);
      continue;
    }
    const one = (x: string | string[]) => (Array.isArray(x) ? x[x.length - 1] : x);
    switch (a.datatype) {
      case 'number': {
        const s = one(v).trim();
        const n = Number(s);
        if (s === '' || !Number.isFinite(n)) throw new AttributeError(`attribute[${a.code}] must be a number, got "${s.slice(0, 40)}"`);
        out[a.code] = n; break;
      }
      case 'datetime': {
        const s = one(v);
        if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) || Number.isNaN(Date.parse(s))) throw new AttributeError(`attribute[${a.code}] must be an ISO 8601 datetime, got "${s.slice(0, 40)}"`);
        out[a.code] = s; break;
      }
      case 'singlevaluelist': case 'multivaluelist': {
        const list = Array.isArray(v) ? v : [v];
        if (a.datatype === 'singlevaluelist' && list.length > 1) throw new AttributeError(`attribute[${a.code}] takes one value`);
        const keys = new Set(a.values!.map((x) => x.key));
        for (const x of list) if (!keys.has(x)) throw new AttributeError(`attribute[${a.code}]: "${x.slice(0, 40)}" is not one of ${[...keys].join(', ')}`);
        out[a.code] = a.datatype === 'singlevaluelist' ? list[0] : [...new Set(list)]; break;
      }
      default: {
        const s = one(v);
        const max = a.datatype === 'text' ? 4000 : 500;
        if (s.length > max) throw new AttributeError(`attribute[${a.code}] is longer than ${max} characters`);
        out[a.code] = s;
      }
    }
  }
  return out;
}

export class AttributeError extends Error { override name = 'AttributeError'; }
