/**
 * Use case: load files into a city of the store, one transaction, one change set of the archive per
 * source (src/store/import.ts). The CLI and the `import` job call this.
 */
import { openSource, type OpenSourceOptions } from '../ingest/index.js';
import type { Store } from '../store/driver.js';
import { importSources, type ImportProgress, type SourceSummary, type SourceToLoad } from '../store/import.js';
import { UsageError } from '../model/errors.js';

export interface ImportFilesOptions extends Omit<OpenSourceOptions, 'onBytes' | 'resolveResidential'> {
  city: string;
  actor: string;
  reason?: string;
  onBytes?: (file: string, read: number, total: number) => void;
  onProgress?: ImportProgress;
}

export async function importFiles(store: Store, files: string[], o: ImportFilesOptions): Promise<SourceSummary[]> {
  if (o.sourceId && files.length > 1) throw new UsageError('--source names one source: give one file with it');
  const { city, actor, reason, onBytes, onProgress, ...readerOpts } = o;
  async function* sources(): AsyncGenerator<SourceToLoad> {
    for (const file of files) {
      yield await openSource(file, { ...readerOpts, resolveResidential: false, onBytes: onBytes && ((read, total) => onBytes(file, read, total)) });
    }
  }
  return importSources(store, city, sources(), { actor, reason, onProgress });
}
