/**
 * The zod schemas of a safety profile and an inspection: what the API checks a body against and
 * the source of the records' types. Apart from ./model.ts so that the CLI, which checks rows by
 * its own CSV rules (./csv.ts), does not load zod.
 */
import { z } from 'zod';
import { parseDate } from './dates.js';
import { GRADES, HAZARDS, MEASURES, STRUCTURES, USES } from './model.js';

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
