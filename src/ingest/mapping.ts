/**
 * From feature properties to OSM-like tags, so one set of rules (`classifyFeature`, the taxonomy)
 * serves every source:
 * - Tilezen / Nextzen exports are recognised and translated (nextzen.ts);
 * - properties that already are OSM tags (`building`, `amenity`, `highway`, ...) pass through;
 * - anything else needs a mapping: what the features are (`kind`) and which fields hold height,
 *   levels, use, year, name, category, id. Given on the command line as
 *   `kind=building,height=HEIGHT,levels=FLOORS,name=NAME` (or as JSON).
 * With a mapping, the source fields are kept as tags too (for provenance and display) under their
 * own names, or as `src:<field>` where the name would be read as an OSM key.
 *
 * Modules: mapping-spec.ts (parse and resolve `--map`), osm-passthrough.ts (OSM-looking
 * properties), mapping-tags.ts (tags under a mapping), mapping-values.ts (value parsing);
 * the Tilezen translation is nextzen.ts. This file streams features through them.
 */
import { classifyFeature } from '../model/classify.js';
import type { CityRecord, IngestProblem } from '../model/types.js';
import { IngestError } from '../model/errors.js';
import type { GeoFeature } from './features.js';
import { isTilezenProperties, translateTilezen, type MappedFeature } from './nextzen.js';
import { resolveMapping, type FeatureMapping } from './mapping-spec.js';
import { looksLikeOsmTags, osmPassThrough } from './osm-passthrough.js';
import { expectedFamily, mappedId, mappedTags } from './mapping-tags.js';
import type { ZhEn } from './bilingual.js';

export type { MappedFeature } from './nextzen.js';
export { MAPPING_FIELDS, MAPPING_KINDS, parseMapping, resolveMapping, type FeatureMapping, type MappingField, type MappingKind } from './mapping-spec.js';
export { looksLikeOsmTags, normaliseId, OSM_PRIMARY_KEYS } from './osm-passthrough.js';
export { categoryTags } from './mapping-values.js';
export { mappedTags } from './mapping-tags.js';

export interface MapOptions {
  onProblem?: (p: IngestProblem) => void;
  /** the source id: a feature without an id of its own gets `<source>.<index>` (osm-passthrough.ts indexId) */
  source?: string;
  /** called when the features say they are OpenStreetMap data (a Tilezen export of it, OSM-typed ids): its attribution applies */
  onOsm?: () => void;
}

/** A feature of OpenStreetMap's: a Tilezen feature whose `source` is openstreetmap.org, or one with an OSM-typed id (`way/123`). */
function fromOsm(f: GeoFeature): boolean {
  const p = f.properties;
  if (isTilezenProperties(p)) return /openstreetmap\.org/i.test(String(p.source ?? ''));
  return [p['@id'], f.id].some((v) => typeof v === 'string' && /^(node|way|relation)\/\d+$/.test(v));
}

/**
 * Turn features into `{ id, tags, geometry }` for classifyFeature.
 * - no mapping (or an empty one): a Tilezen export is translated (nextzen.ts); otherwise features
 *   with OSM-looking properties pass through, others are skipped and reported, and a file where
 *   no feature looks like OSM is an IngestError asking for a mapping;
 * - a mapping without kind: OSM pass-through plus the named fields copied onto OSM keys;
 * - a mapping with kind: tags built from the kind and fields (see `mappedTags`).
 * Ids: the mapping's id field, else the feature's own id (`way/1` → `w1`), else its index in the
 * file qualified by the source (`pois.0`).
 */
export async function* mapFeatures(
  features: AsyncIterable<GeoFeature>,
  mapping: FeatureMapping | undefined,
  file: string,
  options: MapOptions = {},
): AsyncGenerator<MappedFeature> {
  const it = features[Symbol.asyncIterator]();
  const first = await it.next();
  // nothing to import is an error, not an empty source: a re-import of it would close every record the source holds
  if (first.done) {
    throw new IngestError(file, undefined, '文件中没有要素（FeatureCollection 或 Shapefile 为空、CSV 只有表头，或每一行都被跳过） / ' +
      'no features in the file (an empty FeatureCollection or shapefile, a CSV with a header only, or every row skipped)');
  }
  const rest: AsyncIterable<GeoFeature> = {
    [Symbol.asyncIterator]: () => {
      let sentFirst = false;
      return {
        next: async () => {
          if (!sentFirst) {
            sentFirst = true;
            return first;
          }
          return it.next();
        },
        return: async () => (it.return ? it.return() : { done: true, value: undefined }),
      };
    },
  };
  if (fromOsm(first.value)) options.onOsm?.();
  const empty = !mapping || (!mapping.kind && !mapping.fields);
  if (mapping && !empty) mapping = resolveMapping(mapping, first.value.properties, file);
  if (empty && isTilezenProperties(first.value.properties)) {
    yield* translateTilezen(rest, options.onProblem);
    return;
  }

  let yielded = 0;
  let skipped = 0;
  let firstProblem: ZhEn | undefined;
  const problem = (id: string, p: ZhEn) => {
    firstProblem ??= { zh: `${id}: ${p.zh}`, en: `${id}: ${p.en}` };
    options.onProblem?.({ id, problem: `${p.zh} / ${p.en}` });
  };
  for await (const f of rest) {
    if (empty || !mapping!.kind) {
      if (!looksLikeOsmTags(f.properties) && empty) {
        skipped++;
        problem(String(f.index), { zh: '没有类似 OSM 的标签（building、amenity、highway 等），已跳过', en: 'no OSM-like tags (building, amenity, highway, ...), skipped' });
        continue;
      }
      const m = osmPassThrough(f, options.source);
      if (!empty) {
        // mapping without kind: rename the named fields onto OSM keys, keep the rest
        const extra = mappedTags(f, { fields: mapping!.fields }, (t) => problem(m.id, t));
        for (const role of ['height', 'building:levels', 'start_date', 'name'] as const) if (extra[role] !== undefined) m.tags[role] = extra[role];
        if (mapping!.fields?.id) m.id = mappedId(f, mapping, options.source);
      }
      yielded++;
      yield m;
      continue;
    }
    const kind = mapping!.kind;
    const id = mappedId(f, mapping, options.source);
    if (!expectedFamily(kind)(f.geometry)) {
      skipped++;
      problem(id, { zh: `${f.geometry.type} 不能作为 ${kind}，已跳过`, en: `a ${f.geometry.type} cannot be a ${kind}, skipped` });
      continue;
    }
    const tags = mappedTags(f, mapping!, (t) => problem(id, t));
    yielded++;
    yield { id, tags, geometry: f.geometry };
  }
  if (yielded === 0 && skipped > 0) {
    throw new IngestError(
      file,
      undefined,
      empty
        ? '没有要素带有类似 OSM 的标签（building、amenity、highway、landuse 等）：请给出映射，如 --map kind=building,height=HEIGHT,name=NAME / ' +
          'no feature has OSM-like tags (building, amenity, highway, landuse, ...); give a mapping, e.g. --map kind=building,height=HEIGHT,name=NAME'
        : `没有要素能够映射（${firstProblem!.zh}） / no feature could be mapped (${firstProblem!.en})`,
    );
  }
}

/** mapFeatures followed by classifyFeature: the city-model records of a feature file. */
export async function* classifyFeatures(
  features: AsyncIterable<GeoFeature>,
  mapping: FeatureMapping | undefined,
  file: string,
  options: MapOptions = {},
): AsyncGenerator<CityRecord> {
  for await (const m of mapFeatures(features, mapping, file, options)) {
    yield* classifyFeature(m.id, m.tags, m.geometry);
  }
}
