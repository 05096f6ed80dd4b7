/**
 * Messages the OSM readers share, `中文 / English` as every message of the ingest layer (bilingual.ts);
 * here so that the readers load nothing outside osm/ but model/errors.
 */
import type { ZhEn } from '../bilingual.js';

/** a file that cannot be opened, the reason its error code */
export const cannotOpen = (e: unknown): string => {
  const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return `无法打开文件：${why} / cannot open: ${why}`;
};

export const EMPTY_FILE = '空文件 / empty file';

/**
 * The two halves of a `中文 / English` message, split at its first " / ": for the PBF decoder's
 * reasons, whose Chinese part holds none (numbers and protobuf names); a text without one is the
 * same in both.
 */
export function halves(text: string): ZhEn {
  const i = text.indexOf(' / ');
  return i < 0 ? { zh: text, en: text } : { zh: text.slice(0, i), en: text.slice(i + 3) };
}
