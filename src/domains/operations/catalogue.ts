/**
 * The case classes catalogue (catalogue/<version>.json): event and part classes (事件/部件, after
 * GB/T 30428), each with its responsible department, the time limit of every stage in working
 * hours, and its Open311 service_code / group / keywords / attribute definitions. A default ships;
 * a city replaces it with a file of the same shape (`loadCatalogue(path)`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
  /** a short Chinese name, also a column name of the hotline CSV (default: the description before " / ") */
  name_zh: z.string().min(1).optional(),
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
  /** when the catalogue last changed (ISO 8601): Open311 discovery's changeset; a city's own file without it, by the file's time */
  updated: z.string().datetime({ offset: true }).optional(),
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
  const c = parseCatalogue(JSON.parse(readFileSync(path, 'utf8')), path);
  c.updated ??= statSync(path).mtime.toISOString();
  return c;
}

export function calendarPath(id: string): string {
  return existsSync(id) ? id : `${DIR}calendar-${id}.json`;
}

/** total working hours of the stages from `from` (inclusive) to the end of the cycle */
export function remainingHours(k: CaseClass, from: Stage): number {
  return STAGES.slice(STAGES.indexOf(from)).reduce((s, st) => s + k.limits[st], 0);
}

/** the Chinese and English names of an attribute (its `name_zh`, else its description "中文 / English") */
export function attributeNames(a: Attribute): { zh: string; en: string } {
  const [zh, ...en] = a.description.split(' / ');
  return { zh: a.name_zh ?? zh.trim(), en: (en.join(' / ') || a.description).trim() };
}

export interface AttributeOptions {
  /**
   * What a required attribute without a value is: 'refuse' (an error: Open311, staff, grid
   * workers), or 'unknown' (kept as null, for a report another centre already took, e.g. a 12345
   * hotline ticket: refusing it would lose a real case).
   */
  missing?: 'refuse' | 'unknown';
}

/**
 * Check Open311 attribute values against a class's definitions; returns the cleaned values
 * (numbers as numbers, lists as arrays) or throws with the attribute named. Attributes the class
 * does not define are left out (clients such as FixMyStreet send their own, e.g. attribute[uprn]).
 * With `missing: 'unknown'` a required attribute without a value is null in the result (unknown),
 * not an error; an optional one without a value is left out as always.
 */
export function validateAttributes(k: CaseClass, given: Record<string, string | string[]>, o: AttributeOptions = {}): Record<string, string | number | string[] | null> {
  const out: Record<string, string | number | string[] | null> = {};
  for (const a of k.attributes) {
    const v = given[a.code];
    const empty = v === undefined || (Array.isArray(v) ? v.length === 0 : v === '');
    const name = `attribute[${a.code}]`;
    const fail = (zh: string, en: string) => new AttributeError(a.code, `${zh} / ${en}`);
    if (empty) {
      if (!a.required) continue;
      if (o.missing === 'unknown') { out[a.code] = null; continue; }
      const n = attributeNames(a);
      throw fail(`类别 ${k.service_code} 必须填写属性 ${name}（${n.zh}）`, `${name} is required for service ${k.service_code} (${n.en})`);
    }
    const one = (x: string | string[]) => (Array.isArray(x) ? x[x.length - 1] : x);
    switch (a.datatype) {
      case 'number': {
        const s = one(v).trim();
        const n = Number(s);
        if (s === '' || !Number.isFinite(n)) throw fail(`属性 ${name} 应为数字，实为 "${s.slice(0, 40)}"`, `${name} must be a number, got "${s.slice(0, 40)}"`);
        out[a.code] = n; break;
      }
      case 'datetime': {
        const s = one(v);
        if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) || Number.isNaN(Date.parse(s))) {
          throw fail(`属性 ${name} 应为 ISO 8601 日期时间，实为 "${s.slice(0, 40)}"`, `${name} must be an ISO 8601 datetime, got "${s.slice(0, 40)}"`);
        }
        out[a.code] = s; break;
      }
      case 'singlevaluelist': case 'multivaluelist': {
        const list = Array.isArray(v) ? v : [v];
        if (a.datatype === 'singlevaluelist' && list.length > 1) throw fail(`属性 ${name} 只能取一个值`, `${name} takes one value`);
        const keys = new Set(a.values!.map((x) => x.key));
        for (const x of list) {
          if (!keys.has(x)) throw fail(`属性 ${name} 的取值 "${x.slice(0, 40)}" 无效，应为 ${[...keys].join(', ')} 之一`, `${name}: "${x.slice(0, 40)}" is not one of ${[...keys].join(', ')}`);
        }
        out[a.code] = a.datatype === 'singlevaluelist' ? list[0] : [...new Set(list)]; break;
      }
      default: {
        const s = one(v);
        const max = a.datatype === 'text' ? 4000 : 500;
        if (s.length > max) throw fail(`属性 ${name} 超过 ${max} 个字符`, `${name} is longer than ${max} characters`);
        out[a.code] = s;
      }
    }
  }
  return out;
}

/** a bad attribute value (HTTP 400); `attribute` is its code */
export class AttributeError extends Error {
  override name = 'AttributeError';
  constructor(readonly attribute: string, message: string) { super(message); }
}
