import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../../model/errors.js';

/**
 * The versioned indicator catalogue (src/analysis/indicators/catalogue/<version>.json): every indicator of
 * the MOHURD four-level system and the supplementary ones, with names, units, computability,
 * direction, targets and grading bands, and the versioned parameters (radii, size classes, ...).
 * Data, not code: a new year's library is a new file (or a file that `extends` an older one).
 */
const CATALOGUE_DIR = fileURLToPath(new URL('../../../src/analysis/indicators/catalogue/', import.meta.url));

export const SYSTEM_LEVELS = ['housing', 'community', 'block', 'city'] as const;
export type SystemLevel = (typeof SYSTEM_LEVELS)[number];
export const COMPUTABILITY = ['G', 'G*', 'F', 'A'] as const;
export type Computability = (typeof COMPUTABILITY)[number];
export type Direction = 'higher_better' | 'lower_better' | 'neutral';
export type Op = '>=' | '>' | '<=' | '<' | '=';

const op = z.enum(['>=', '>', '<=', '<', '=']);
const target = z.object({ op, value: z.number(), source: z.enum(['S', 'M']), basis: z.string() });
const band = z.object({ op, value: z.number(), grade_zh: z.string(), grade_en: z.string(), basis: z.string().optional() });
const entry = z.object({
  seq: z.number().int().nullable(),
  supplementary: z.boolean().optional(),
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  level: z.enum(SYSTEM_LEVELS),
  name_zh: z.string().min(1),
  name_en: z.string().min(1),
  unit: z.string().min(1),
  unit_zh: z.string().min(1),
  computability: z.array(z.enum(COMPUTABILITY)).min(1),
  direction: z.enum(['higher_better', 'lower_better', 'neutral']),
  target: target.nullable(),
  bands: z.array(band).optional(),
  range: z.tuple([z.number().nullable(), z.number().nullable()]),
  note: z.string().optional(),
  name_source: z.literal('gloss').optional(),
});
export type CatalogueEntry = z.infer<typeof entry>;
export type Target = z.infer<typeof target>;
export type Band = z.infer<typeof band>;

const file = z.object({
  version: z.string(),
  extends: z.string().optional(),
  title_zh: z.string(),
  title_en: z.string(),
  sources: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
  /** the notes in Chinese, one for each of `notes` */
  notes_zh: z.array(z.string()).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  indicators: z.array(entry).optional(),
  replace: z.record(z.string(), entry).optional(),
  annotate: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
  add: z.array(entry).optional(),
});

/** Living-circle level: facility categories expected within a walking radius. */
export interface LivingCircle { minutes: number; radius_m: number; categories: string[] }
export interface ProvisionRule { categories: string[]; radius_m: number; inside_min_m2?: number }
export interface ParkSizeClass { min_m2: number; max_m2: number | null; radius_m: number }

/** The parameters every computed indicator reads (catalogue defaults, overridable per run). */
export interface CheckParameters {
  park_size_classes: ParkSizeClass[];
  park_network_m: number;
  middle_school_radius_m: number;
  greenway_radius_m: number;
  greenway_name_pattern: string;
  fire_station_service_area_km2: number;
  transit_bus_m: number;
  transit_metro_m: number;
  living_circles: LivingCircle[];
  provision_share: number;
  provision_rules: Record<string, ProvisionRule>;
  aged_housing_years: number;
  high_rise_m: { residential: number; public: number; limit_small_city: number; cap_small_city: number; limit_large_city: number; cap_large_city: number; large_city_population: number; notice_year: number };
  storey_height_m: number;
  /** the city's real population (the height caps depend on it); null: the estimate from buildings */
  city_population: number | null;
  density_flag_per_km2: number;
  road_highways: string[];
  /** thresholds of the confidence rules (./confidence.ts) */
  confidence: import('./confidence.js').ConfidenceParams;
  /** built-up land: within this distance of a building (or residential land) */
  built_up_buffer_m: number;
  /** fewer buildings than this: built-up land is not estimable (no road or population density) */
  built_up_min_buildings: number;
  /** two one-way carriageways of the same name and class within this distance are one road */
  carriageway_pair_m: number;
  raster_cell_m: number;
  raster_max_cells: number;
  grid_street_m: number;
  grid_community_m: number;
  equity_worst: number;
  walk_speed_m_per_min: number;
  renewal_weights: { services: number; provision: number; ageing: number; parks: number; transit: number };
  renewal_max: number;
  renewal_old_estate_year: number;
  renewal_cluster_cell_m: number;
  renewal_cluster_min_buildings: number;
  renewal_flag: { completeness_below: number; aged_share_at_least: number; park_share_below: number; transit_share_below: number };
  /** year the check refers to (age of buildings); default: the current year */
  reference_year: number;
  [k: string]: unknown;
}

export interface Catalogue {
  version: string;
  title_zh: string;
  title_en: string;
  sources: string[];
  notes: string[];
  /** `notes` in Chinese, item by item (the English where a note has no Chinese) */
  notes_zh: string[];
  parameters: CheckParameters;
  indicators: CatalogueEntry[];
  byId: Map<string, CatalogueEntry>;
}

export function catalogueVersions(): string[] {
  return readdirSync(CATALOGUE_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

function readRaw(version: string): z.infer<typeof file> {
  const path = CATALOGUE_DIR + `${version}.json`;
  if (!/^[\w.-]+$/.test(version) || !existsSync(path)) {
    throw new UsageError(`unknown indicator catalogue "${version}"; known: ${catalogueVersions().join(', ')}`);
  }
  const parsed = file.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`catalogue ${version}.json is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const cache = new Map<string, Catalogue>();

/** Load a catalogue version, resolving `extends` (replace / annotate / remove / add on the base). */
export function loadCatalogue(version = '2025'): Catalogue {
  const hit = cache.get(version);
  if (hit) return hit;
  const raw = readRaw(version);
  let indicators: CatalogueEntry[];
  let parameters: Record<string, unknown>;
  let sources = raw.sources ?? [];
  let notes = raw.notes ?? [];
  if (raw.notes_zh && raw.notes_zh.length !== notes.length) throw new Error(`catalogue ${version}: notes_zh has ${raw.notes_zh.length} items for ${notes.length} notes`);
  let notesZh = notes.map((n, k) => raw.notes_zh?.[k] ?? n);
  if (raw.extends) {
    const base = loadCatalogue(raw.extends);
    indicators = base.indicators.map((e) => raw.replace?.[e.id] ?? e)
      .filter((e) => !raw.remove?.includes(e.id))
      .map((e) => (raw.annotate?.[e.id] ? { ...e, note: e.note ? `${e.note}; ${raw.annotate[e.id]}` : raw.annotate[e.id] } : e));
    indicators.push(...(raw.add ?? []));
    parameters = { ...base.parameters, ...raw.parameters };
    sources = [...base.sources, ...sources];
    notes = [...base.notes, ...notes];
    notesZh = [...base.notes_zh, ...notesZh];
  } else {
    indicators = raw.indicators ?? [];
    parameters = { ...raw.parameters };
  }
  const byId = new Map<string, CatalogueEntry>();
  for (const e of indicators) {
    if (byId.has(e.id)) throw new Error(`catalogue ${version}: duplicate indicator id ${e.id}`);
    byId.set(e.id, e);
  }
  const cat: Catalogue = {
    version: raw.version, title_zh: raw.title_zh, title_en: raw.title_en, sources, notes, notes_zh: notesZh,
    parameters: { reference_year: new Date().getUTCFullYear(), ...parameters } as CheckParameters,
    indicators, byId,
  };
  cache.set(version, cat);
  return cat;
}

/** Does `value` satisfy `op target`? */
export function compare(value: number, o: Op, t: number): boolean {
  switch (o) {
    case '>=': return value >= t;
    case '>': return value > t;
    case '<=': return value <= t;
    case '<': return value < t;
    default: return value === t;
  }
}

/** Unit spellings accepted in manual input for each catalogue unit. */
export const UNIT_ALIASES: Record<string, string[]> = {
  ratio: ['ratio', '比例', '0-1'],
  count: ['count', '个', '栋', '套', '条', '起', '处'],
  km: ['km', '公里', '千米'],
  'km/km2': ['km/km2', 'km/km²', '公里/平方公里'],
  'm2/person': ['m2/person', 'm²/person', 'm²/人', 'm2/人', '平方米/人'],
  'persons/km2': ['persons/km2', 'persons/km²', '人/km²', '人/平方公里'],
  'km/h': ['km/h', '公里/小时'],
  '10k_m3/h': ['10k_m3/h', '万m³/h', '万m3/h', '万立方米/小时'],
  index: ['index'],
};
