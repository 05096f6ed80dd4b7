/**
 * The ingest layer's messages are Chinese first with the English beside it, `中文 / English` (the
 * house rule, as in encoding.ts and the CLI). A message made of parts (a reason inside a sentence,
 * a problem under a relation's name) is put together one language at a time, the parts as `ZhEn`.
 * (The OSM readers keep theirs in osm/messages.ts: they load nothing outside osm/ but model/errors.)
 */
export interface ZhEn { zh: string; en: string }

/** a file that cannot be read, `why` the system's reason (ENOENT, EACCES, ...) */
export const cannotReadFile = (why: string): string => `无法读取文件：${why} / cannot read the file: ${why}`;
