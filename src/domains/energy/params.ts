import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../../model/errors.js';

/**
 * The energy domain's versioned parameter tables (src/domains/energy/params/<kind>-<version>.json):
 * energy use intensity by use × climate zone × era (`eui`), emission factors (`factors`), and
 * climate zones with the province → grid mapping (`zones`). Data, not code: every value names its
 * source and says whether it is an estimate; a new edition is a new file.
 */
const PARAMS_DIR = fileURLToPath(new URL('../../../src/domains/energy/params/', import.meta.url));

export const USES = ['residential', 'office', 'retail', 'education', 'health', 'hotel', 'industrial', 'other'] as const;
export type Use = (typeof USES)[number];
export const ZONES = ['severe_cold', 'cold', 'hscw', 'hsww', 'mild'] as const;
export type Zone = (typeof ZONES)[number];
export const ERAS = ['pre1986', '1986_2005', '2006_2015', '2016_on', 'unknown'] as const;
export type Era = (typeof ERAS)[number];
export const GRIDS = ['national', 'north', 'northeast', 'east', 'central', 'northwest', 'south', 'southwest'] as const;
export type Grid = (typeof GRIDS)[number];

const sourced = { source: z.string().min(1), estimate: z.boolean() };
const cell = z.object({ electricity_kwh_m2: z.number().nonnegative(), gas_m3_m2: z.number().nonnegative(), heat_gj_m2: z.number().nonnegative(), ...sourced });
const perUse = <T extends z.ZodType>(t: T) => z.object(Object.fromEntries(USES.map((u) => [u, t])) as Record<Use, T>);
const perZone = <T extends z.ZodType>(t: T) => z.object(Object.fromEntries(ZONES.map((k) => [k, t])) as Record<Zone, T>);
const perEra = <T extends z.ZodType>(t: T) => z.object(Object.fromEntries(ERAS.map((k) => [k, t])) as Record<Era, T>);

const euiFile = z.object({
  version: z.string(), kind: z.literal('energy_use_intensity'), title_zh: z.string(), title_en: z.string(),
  notes: z.array(z.string()), sources: z.array(z.string()),
  eras: z.array(z.object({
    id: z.enum(ERAS), name_zh: z.string(), name_en: z.string(), from: z.number().int().nullable(), to: z.number().int().nullable(), basis: z.string(),
    factors: z.object({ electricity: z.number().positive(), gas: z.number().positive(), heat: z.number().positive() }), estimate: z.boolean(),
  })).length(ERAS.length),
  default_storeys: z.object({ values: perUse(z.number().positive()), ...sourced }),
  gas_kwh_per_m3: z.object({ value: z.number().positive(), ...sourced }),
  heat_kwh_per_gj: z.object({ value: z.number().positive(), ...sourced }),
  retrofit: z.object({ savings_share: perEra(z.number().min(0).max(1)), assumption_zh: z.string(), assumption_en: z.string(), ...sourced }),
  green: z.object({ new_building_years: z.number().int().positive(), ...sourced }),
  table: perUse(perZone(cell)),
});
export type EuiTable = z.infer<typeof euiFile>;

const grid = z.object({ name_zh: z.string(), name_en: z.string(), kgco2_per_kwh: z.number().positive(), ...sourced });
const factorsFile = z.object({
  version: z.string(), kind: z.literal('emission_factors'), title_zh: z.string(), title_en: z.string(), notes: z.array(z.string()),
  grids: z.object(Object.fromEntries(GRIDS.map((g) => [g, grid])) as Record<Grid, typeof grid>),
  gas: z.object({ kgco2_per_m3: z.number().positive(), ...sourced }),
  heat: z.object({ kgco2_per_gj: z.number().positive(), ...sourced }),
});
export type FactorTable = z.infer<typeof factorsFile>;

const zonesFile = z.object({
  version: z.string(), kind: z.literal('climate_zones_and_grids'), title_zh: z.string(), title_en: z.string(), notes: z.array(z.string()),
  zones: perZone(z.object({ name_zh: z.string(), name_en: z.string(), district_heating: z.boolean() })),
  zones_source: z.string(),
  cities: z.array(z.object({ name_zh: z.string(), name_en: z.string(), province: z.string(), lon: z.number(), lat: z.number(), zone: z.enum(ZONES), estimate: z.boolean() })).min(1),
  province_grid: z.record(z.string(), z.enum(GRIDS)),
  province_grid_source: z.string(),
  province_grid_estimate: z.boolean(),
});
export type ZoneTable = z.infer<typeof zonesFile>;

export interface EnergyParams { eui: EuiTable; factors: FactorTable; zones: ZoneTable }
export interface ParamVersions { eui?: string; factors?: string; zones?: string }
export const DEFAULT_VERSIONS = { eui: '2025', factors: '2023', zones: '2025' } as const;

export class ParamsError extends UsageError {}

function versionsOf(kind: string): string[] {
  if (!existsSync(PARAMS_DIR)) return [];
  return readdirSync(PARAMS_DIR).map((f) => new RegExp(`^${kind}-(.+)\\.json$`).exec(f)?.[1]).filter((v): v is string => !!v).sort();
}

function loadOne<T extends z.ZodType>(kind: string, version: string, schema: T): z.infer<T> {
  const path = `${PARAMS_DIR}${kind}-${version}.json`;
  if (!/^[\w.-]+$/.test(version) || !existsSync(path)) {
    throw new ParamsError(`no ${kind} table version "${version}" 没有该版本的参数表 (available: ${versionsOf(kind).join(', ') || 'none'})`);
  }
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ParamsError(`${kind}-${version}.json: ${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

export function loadEnergyParams(v: ParamVersions = {}): EnergyParams {
  const p = {
    eui: loadOne('eui', v.eui ?? DEFAULT_VERSIONS.eui, euiFile),
    factors: loadOne('factors', v.factors ?? DEFAULT_VERSIONS.factors, factorsFile),
    zones: loadOne('zones', v.zones ?? DEFAULT_VERSIONS.zones, zonesFile),
  };
  const eraIds = p.eui.eras.map((e) => e.id).join(',');
  if (eraIds !== ERAS.join(',')) throw new ParamsError(`eui-${p.eui.version}.json: eras must be ${ERAS.join(', ')} in that order (got ${eraIds})`);
  for (const c of p.zones.cities) {
    if (!(c.province in p.zones.province_grid)) throw new ParamsError(`zones-${p.zones.version}.json: city ${c.name_en}: province ${c.province} has no grid in province_grid`);
  }
  return p;
}
