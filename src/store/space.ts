/**
 * Disk space of an embedded store: a free-space check before a large import (with an estimate of
 * what it needs), and errors that say the disk is full and where instead of PGlite's
 * "failed to initialize" or `[object Object]`.
 */
import { existsSync, statfsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { OpenCimError } from '../model/errors.js';

/** free bytes for an unprivileged writer on the filesystem holding `path` (or its nearest existing parent) */
export function freeBytes(path: string): { free: number; total: number } | null {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    const s = statfsSync(p);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MB`;

/**
 * Bytes a store grows by per byte of input, measured on the real data of the test suite (the
 * records, their indexes, the WAL of one transaction) with a margin: compressed OSM PBF expands
 * the most. Other formats (GeoJSON, CSV, .osm XML, shapefiles) are text or plain binary.
 */
const GROWTH: Record<string, number> = { '.pbf': 12, '.osm': 1.5, '.geojson': 2, '.json': 2, '.csv': 3, '.shp': 3, '.zip': 8 };
/** a fresh store's own size (catalogue, PostGIS, migrations) */
export const NEW_STORE_BYTES = 72 * MB;

export function estimateImportBytes(files: string[]): number {
  let n = 0;
  for (const f of files) {
    const size = existsSync(f) ? statSync(f).size : 0;
    const ext = f.toLowerCase().endsWith('.osm.pbf') ? '.pbf' : extname(f).toLowerCase();
    n += size * (GROWTH[ext] ?? 3);
  }
  return Math.ceil(n);
}

export class DiskFullError extends OpenCimError {
  constructor(message: string) { super('disk_full', message); }
}

/** before an import into the folder `dir`: refuse when the disk clearly cannot hold it */
export function checkFreeSpace(dir: string, needed: number): void {
  const s = freeBytes(dir);
  if (!s || needed <= 0) return;
  const margin = 16 * MB;
  if (s.free < needed + margin) {
    throw new DiskFullError(`not enough disk space for this import at ${resolve(dir)}: about ${mb(needed)} needed, ${mb(s.free)} free ` +
      `(of ${mb(s.total)}); free some space or choose another folder with --db; nothing was written (磁盘空间不足, 未写入任何数据)`);
  }
}

/** does this error come from a full disk (ENOSPC, PostgreSQL's "could not extend/write", or an opaque PGlite failure with no space left)? */
export function isDiskFull(e: unknown, dir?: string): boolean {
  const err = e as { code?: unknown; message?: unknown; errno?: unknown } | null;
  const msg = typeof err?.message === 'string' ? err.message : '';
  if (err?.code === 'ENOSPC' || err?.code === '53100' || /No space left on device|could not extend file|disk full/i.test(msg)) return true;
  if (dir) {
    const s = freeBytes(dir);
    return !!s && s.free < MB;
  }
  return false;
}

export function diskFullError(dir: string, cause: unknown): DiskFullError {
  const s = freeBytes(dir);
  const e = new DiskFullError(`the disk holding the store ${dir} is full${s ? ` (${mb(s.free)} free of ${mb(s.total)})` : ''}: free some space there and run it again; ` +
    `the store is unchanged (磁盘已满: 请释放空间后重试, 数据库未改变)`);
  (e as { cause?: unknown }).cause = cause;
  return e;
}

/** before `opencim import FILES --db DB`: an embedded store's disk must hold the estimate (a server's disk is the server's) */
export function checkImportSpace(db: string, files: string[]): void {
  if (/^postgres(ql)?:\/\//.test(db)) return;
  const isNew = !existsSync(resolve(db, 'PG_VERSION'));
  checkFreeSpace(db, estimateImportBytes(files) + (isNew ? NEW_STORE_BYTES : 0));
}
