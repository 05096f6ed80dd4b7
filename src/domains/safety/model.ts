/**
 * The house-safety vocabulary (房屋全生命周期安全): a safety profile per building and its
 * inspections (房屋体检), with the value sets of the CSV contract, their Chinese aliases and
 * zod schemas. Codes are stored as small integers in the columnar register (./register.ts);
 * the index of a code in its list is its number there (0 = unknown where a code can be unknown).
 */
import { z } from 'zod';
import { parseDate } from './dates.js';

export const STRUCTURES = ['brick_concrete', 'prefab_slab', 'frame', 'shear_wall', 'steel', 'timber', 'self_built', 'other'] as const;
export const USES = ['residential', 'public_crowded', 'commercial_self_built', 'office', 'industrial', 'other'] as const;
export const GRADES = ['A', 'B', 'C', 'D'] as const;
export const MEASURES = ['use', 'observe', 'stop', 'demolish'] as const;
/** the housing problem catalogue (health check indicators 1–10, reference §1a) */
export const HAZARDS = ['structure', 'gas', 'stairwell', 'envelope', 'pipes', 'age_friendly', 'energy', 'digital'] as const;

export type Structure = (typeof STRUCTURES)[number];
export type Use = (typeof USES)[number];
export type Grade = (typeof GRADES)[number];
export type Measure = (typeof MEASURES)[number];
export type Hazard = (typeof HAZARDS)[number];

/** Chinese (and common) spellings accepted in CSV files, mapped to the codes */
export const VALUE_ALIASES: Record<'structure' | 'use' | 'measure' | 'hazard', Record<string, string>> = {
  structure: { 砖混: 'brick_concrete', 砖混结构: 'brick_concrete', 预制板: 'prefab_slab', 预制板结构: 'prefab_slab', 框架: 'frame', 框架结构: 'frame', 剪力墙: 'shear_wall', 剪力墙结构: 'shear_wall', 钢结构: 'steel', 木结构: 'timber', 自建房: 'self_built', 其他: 'other' },
  use: { 住宅: 'residential', 人员密集场所: 'public_crowded', 公共建筑: 'public_crowded', 经营性自建房: 'commercial_self_built', 办公: 'office', 工业: 'industrial', 其他: 'other' },
  measure: { 处理使用: 'use', 观察使用: 'observe', 停止使用: 'stop', 整体拆除: 'demolish' },
  hazard: { 结构: 'structure', 燃气: 'gas', 楼道: 'stairwell', 围护: 'envelope', 管线: 'pipes', 管道: 'pipes', 适老化: 'age_friendly', 节能: 'energy', 数字化: 'digital' },
};

export const LABELS_ZH: Record<string, string> = {
  brick_concrete: '砖混', prefab_slab: '预制板', frame: '框架', shear_wall: '剪力墙', steel: '钢结构', timber: '木结构', self_built: '自建房', other: '其他',
  residential: '住宅', public_crowded: '人员密集场所', commercial_self_built: '经营性自建房', office: '办公', industrial: '工业',
  use: '处理使用', observe: '观察使用', stop: '停止使用', demolish: '整体拆除',
  structure: '结构', gas: '燃气', stairwell: '楼道', envelope: '围护', pipes: '管线管道', age_friendly: '适老化', energy: '节能', digital: '数字化',
};

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => parseDate(s) !== null, 'not a calendar date');

/** One building's safety profile (profiles.csv, the `building_safety` collection). Null = unknown. */
export const ProfileSchema = z.object({
  building_id: z.string().min(1).max(200),
  year_built: z.number().int().min(1000).max(2200).nullable(),
  design_life_years: z.number().int().min(1).max(300).nullable(),
  structure: z.enum(STRUCTURES).nullable(),
  storeys: z.number().int().min(0).max(300).nullable(),
  height_m: z.number().min(0).max(1000).nullable(),
  use: z.enum(USES).nullable(),
  households: z.number().int().min(0).max(100000).nullable(),
  group_rental: z.boolean().nullable(),
  seismic_intensity: z.number().min(5).max(10).nullable(),
  isolation: z.boolean().nullable(),
  owner: z.string().max(500).nullable(),
  insured: z.boolean().nullable(),
  fund: z.boolean().nullable(),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** One inspection (inspections.csv, the `inspections` collection). */
export const InspectionSchema = z.object({
  inspection_id: z.string().min(1).max(200),
  building_id: z.string().min(1).max(200),
  date: isoDate,
  organisation: z.string().max(500).nullable(),
  inspector: z.string().max(500).nullable(),
  method: z.string().max(500).nullable(),
  grade: z.enum(GRADES).nullable(),
  hazards: z.array(z.enum(HAZARDS)),
  measure: z.enum(MEASURES).nullable(),
  deadline: isoDate.nullable(),
  remediated_on: isoDate.nullable(),
  verified_by: z.string().max(500).nullable(),
  /** photos by content hash (sha256 hex) or URL */
  photos: z.array(z.string().max(2000)).default([]),
});
export type Inspection = z.infer<typeof InspectionSchema>;

export const DEFAULT_DESIGN_LIFE = 50;

export * from './dates.js';
