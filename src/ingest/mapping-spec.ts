/**
 * The `--map` mapping: what the features of a file are (`kind`) and which of their fields
 * hold height, levels, use, year, name, category, id; parsed from `kind=building,height=HEIGHT`
 * (or JSON) and resolved against a file's field names.
 */
import { IngestError } from '../model/errors.js';

export const MAPPING_KINDS = ['building', 'facility', 'green_space', 'land_use', 'admin_area', 'walk_edge'] as const;
export type MappingKind = (typeof MAPPING_KINDS)[number];
export const MAPPING_FIELDS = ['height', 'levels', 'use', 'year', 'name', 'category', 'id'] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

export interface FeatureMapping {
  kind?: MappingKind;
  fields?: Partial<Record<MappingField, string>>;
}

/**
 * A parsed mapping checked: only `kind` (one of MAPPING_KINDS) and `fields` (roles of
 * MAPPING_FIELDS naming non-empty field names). Hand-checked rather than by a schema library, so
 * that reading a file does not load one (the first thing every command does).
 */
function checkMapping(raw: unknown): FeatureMapping {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('映射：应为对象，如 {"kind":"building","fields":{"height":"HEIGHT"}} / mapping: expected an object like {"kind":"building","fields":{"height":"HEIGHT"}}');
  }
  const { kind, fields, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new Error(`映射：未知的键 "${extra}"（应为 kind、fields） / mapping: unknown key "${extra}" (expected kind, fields)`);
  if (kind !== undefined && !(MAPPING_KINDS as readonly unknown[]).includes(kind)) {
    throw new Error(`映射：kind 必须是 ${MAPPING_KINDS.join('、')} 之一 / mapping: kind must be one of ${MAPPING_KINDS.join(', ')}`);
  }
  const out: FeatureMapping = kind !== undefined ? { kind: kind as MappingKind } : {};
  if (fields === undefined) return out;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new Error('映射：fields 应为“角色 → 字段名”的对象 / mapping: fields: expected an object of role → field name');
  const f: Partial<Record<MappingField, string>> = {};
  for (const [role, name] of Object.entries(fields)) {
    if (!(MAPPING_FIELDS as readonly string[]).includes(role)) {
      throw new Error(`映射：fields 中未知的角色 "${role}"（应为 ${MAPPING_FIELDS.join('、')}） / mapping: fields: unknown role "${role}" (expected ${MAPPING_FIELDS.join(', ')})`);
    }
    if (name === undefined) continue;
    if (typeof name !== 'string' || name.length === 0) throw new Error(`映射：fields.${role} 应为字段名 / mapping: fields.${role}: expected a field name`);
    f[role as MappingField] = name;
  }
  return { ...out, fields: f };
}

/**
 * Parse `kind=building,height=HEIGHT,levels=FLOORS,name=NAME` (keys: kind and the field roles
 * height, levels, use, year, name, category, id; values are source field names) or the same as
 * JSON (`{"kind":"building","fields":{"height":"HEIGHT"}}`). Throws Error with a usable message.
 */
export function parseMapping(spec: string): FeatureMapping {
  const s = spec.trim();
  let raw: unknown;
  if (s.startsWith('{')) {
    try {
      raw = JSON.parse(s);
    } catch (e) {
      throw new Error(`映射：JSON 无效：${(e as Error).message} / mapping: invalid JSON: ${(e as Error).message}`);
    }
  } else {
    const fields: Record<string, string> = {};
    let kind: string | undefined;
    for (const part of s.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) throw new Error(`映射："${part.trim()}" 不是 key=value 形式（如 kind=building,height=HEIGHT） / mapping: "${part.trim()}" is not key=value (e.g. kind=building,height=HEIGHT)`);
      const key = part.slice(0, eq).trim().toLowerCase();
      const value = part.slice(eq + 1).trim();
      if (!value) throw new Error(`映射："${key}" 没有值 / mapping: no value for "${key}"`);
      if (key === 'kind') kind = value;
      else if ((MAPPING_FIELDS as readonly string[]).includes(key)) {
        if (fields[key]) throw new Error(`映射："${key}" 给出了两次 / mapping: "${key}" given twice`);
        fields[key] = value;
      } else {
        throw new Error(`映射：未知的键 "${key}"（应为 kind、${MAPPING_FIELDS.join('、')}） / mapping: unknown key "${key}" (expected kind, ${MAPPING_FIELDS.join(', ')})`);
      }
    }
    raw = { ...(kind !== undefined ? { kind } : {}), ...(Object.keys(fields).length ? { fields } : {}) };
  }
  return checkMapping(raw);
}
/**
 * Resolve the mapping's field names against a feature's properties (exact, else ignoring case):
 * a name that matches nothing is an IngestError listing the fields there are.
 */
export function resolveMapping(mapping: FeatureMapping, properties: Record<string, unknown>, file: string): FeatureMapping {
  if (!mapping.fields) return mapping;
  const keys = Object.keys(properties);
  const fields: Record<string, string> = {};
  for (const [role, name] of Object.entries(mapping.fields)) {
    if (name === undefined) continue;
    const hit = name in properties ? name : keys.find((k) => k.toLowerCase() === name.toLowerCase()) ?? keys.find((k) => k.trim() === name.trim());
    if (hit === undefined) {
      throw new IngestError(file, 'mapping', `没有字段 "${name}"（用于 ${role}）；现有的字段：${keys.join(', ') || '（无）'} / no field "${name}" (for ${role}); the fields are: ${keys.join(', ') || '(none)'}`);
    }
    fields[role] = hit;
  }
  return { ...mapping, fields };
}
