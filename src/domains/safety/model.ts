/**
 * The house-safety vocabulary (房屋全生命周期安全): a safety profile per building and its
 * inspections (房屋体检), with the value sets of the CSV contract and their Chinese aliases.
 * Codes are stored as small integers in the columnar register (./register.ts); the index of a
 * code in its list is its number there (0 = unknown where a code can be unknown).
 */

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

/** the records' shapes; their zod schemas (the API's validation) are in ./schemas.ts, loaded only where a body is checked */
export type { Profile, Inspection } from './schemas.js';

export const DEFAULT_DESIGN_LIFE = 50;

export * from './dates.js';
