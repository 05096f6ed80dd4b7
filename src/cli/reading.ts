/** How a file is read, as `import` and `check FILE` take it on the command line (main.ts readerOption): the flags and the reader's options they make. */
import type { OpenSourceOptions } from '../ingest/index.js';

export interface ReadingFlags {
  crs?: string;
  coords?: 'wgs84' | 'gcj02' | 'bd09';
  lon?: string;
  lat?: string;
  encoding?: string;
  map?: string;
}

export const READING_FLAGS = ['crs', 'coords', 'lon', 'lat', 'encoding', 'map'] as const;

/** the reader's options the flags give */
export function readingOptions(o: ReadingFlags): Pick<OpenSourceOptions, 'crs' | 'coords' | 'lonField' | 'latField' | 'encoding' | 'mapping'> {
  return { crs: o.crs, coords: o.coords, lonField: o.lon, latField: o.lat, encoding: o.encoding, mapping: o.map };
}
