import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite, type Extension, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { StoreError, type Queryable, type Store } from './driver.js';
import { LOCK_FILE, lockStore } from './lock.js';
import { diskFullError, isDiskFull } from './space.js';

function wrap(q: PGlite | Transaction, dir: string): Queryable {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw isDiskFull(e) ? diskFullError(dir, e) : e;
    }
  };
  return {
    query: <T>(sql: string, params: unknown[] = []) => guard(async () => (await q.query<T>(sql, params)).rows),
    exec: (sql: string) => guard(async () => { await q.exec(sql); }),
    execute: (sql: string, params: unknown[] = []) => guard(async () => (await q.query(sql, params)).affectedRows ?? 0),
    copyIn: (table: string, columns: string[], data: string | Iterable<string>) =>
      guard(async () => { await q.query(`COPY ${table} (${columns.join(',')}) FROM '/dev/blob'`, [], { blob: new Blob(typeof data === 'string' ? [data] : [...data]) }); }),
  };
}

/**
 * PostGIS as the store loads it: the core bundle of scripts/slim-postgis.mjs (postinstall) when it
 * is there, else the package's whole bundle. PGlite unpacks the bundle into memory at every open:
 * the core is a third of it (the PostGIS library, PROJ data, the install script), and opening a
 * store takes about a second less.
 */
function postgisCore(): Extension {
  const core = new URL('./postgis-core.tar.gz', pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite-postgis')));
  if (!existsSync(core)) return postgis;
  return { name: postgis.name, setup: async (pg, opts) => ({ ...(await postgis.setup(pg, opts)), bundlePath: core }) };
}

/** files that may sit in a folder about to become a store */
const HARMLESS = (f: string) => f === LOCK_FILE || f.startsWith(`${LOCK_FILE}.`);
/**
 * Beside the lock while a new store is made (initdb takes seconds): a process killed then leaves it,
 * and its half-made database, which never opens; whoever holds the folder next knows the files for
 * that and starts afresh.
 */
const CREATING = `${LOCK_FILE}.creating`;

export async function openPglite(folder: string, o: { create: boolean; waitMs: number }): Promise<Store> {
  const dir = resolve(folder);
  const cutOff = () => existsSync(resolve(dir, CREATING));
  const isStore = existsSync(resolve(dir, 'PG_VERSION')) && !cutOff();
  let created = false;
  if (!isStore) {
    const others = existsSync(dir) ? readdirSync(dir).filter((f) => !HARMLESS(f)) : [];
    if (!o.create && !cutOff()) {
      throw new StoreError(others.length || existsSync(dir)
        ? `${dir} is not an OpenCIM store (no database in it${others.length ? `; it holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}` : ''}): give the folder of a store with --db, or create one with \`opencim import FILE --db FOLDER\` (这不是 OpenCIM 数据库文件夹)`
        : `no store at ${dir} yet: create it with \`opencim import FILE --db ${folder}\` (or \`opencim demo\`) (数据库尚不存在: 请先导入数据)`);
    }
    if (others.length && !cutOff()) {
      throw new StoreError(`${dir} holds other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}): a new store is created only in an empty or new folder (新数据库只能建在空文件夹或新文件夹中)`);
    }
    created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
  }
  const lock = await lockStore(dir, o.waitMs);
  if (!isStore && !o.create && cutOff()) {
    // (told only once the folder is ours: while its maker runs, the lock says who holds it)
    lock.release();
    throw new StoreError(`the making of a store in ${dir} was cut off (the process was killed or crashed): run \`opencim import FILE --db ${folder}\` again, which starts it afresh (数据库创建中断: 请重新导入)`);
  }
  if (!isStore) {
    // the folder is ours now: a making cut off before leaves its files, which go (never a folder of other files: refused above)
    if (cutOff()) for (const f of readdirSync(dir)) if (!HARMLESS(f)) rmSync(resolve(dir, f), { recursive: true, force: true });
  }
  let db: PGlite;
  try {
    if (!isStore && !existsSync(resolve(dir, 'PG_VERSION'))) writeFileSync(resolve(dir, CREATING), '');
    db = await PGlite.create({ dataDir: dir, extensions: { postgis: postgisCore() } });
    if (cutOff()) unlinkSync(resolve(dir, CREATING));
  } catch (e) {
    lock.release();
    // a store that could not be created leaves nothing behind (a half-made database never opens)
    if (!isStore) {
      if (created) rmSync(dir, { recursive: true, force: true });
      else for (const f of readdirSync(dir)) rmSync(resolve(dir, f), { recursive: true, force: true });
    }
    if (isDiskFull(e, dir)) throw diskFullError(dir, e);
    throw new Error(`cannot open the store ${dir}: ${describe(e)}`);
  }
  const q = wrap(db, dir);
  return {
    kind: 'pglite',
    location: dir,
    ...q,
    transaction: async (fn) => {
      try {
        return await db.transaction((tx) => fn(wrap(tx, dir)));
      } catch (e) {
        if (isDiskFull(e, dir)) {
          // give the failed transaction's space back: trailing pages of rolled-back rows, and the WAL it wrote
          await db.exec('VACUUM; CHECKPOINT').catch(() => {});
          throw diskFullError(dir, e);
        }
        throw e;
      }
    },
    close: async () => {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** PGlite sometimes rejects with a non-Error (an Emscripten status object) */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
