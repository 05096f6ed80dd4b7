/**
 * The taxonomy as the generator uses it to count what it wrote (its summary): the one
 * implementation in model/taxonomy.ts, so the summary and the importer cannot disagree.
 */
import { CATEGORY_IDS as IDS, facilityCategories, isWalkable } from '../model/taxonomy.js';

export const CATEGORY_IDS = IDS;
export type CategoryId = string;
export type TagMap = Record<string, string>;
export { isWalkable };

export function tagMap(kv: readonly string[]): TagMap {
  const t: TagMap = {};
  for (let i = 0; i < kv.length; i += 2) t[kv[i]] = kv[i + 1];
  return t;
}

/** Taxonomy categories of one feature; points count at the node, areas at their geometry. */
export function categoriesOf(t: TagMap, _isArea: boolean): CategoryId[] {
  return facilityCategories(t);
}
