/**
 * One process at a time on an embedded (PGlite) store: PGlite is a single-user PostgreSQL whose
 * `postmaster.pid` holds a fake pid, so two processes on one folder corrupt it. Whoever opens the
 * folder holds `opencim.lock` in it (created atomically with link(2), holding the holder's pid,
 * command, host and start time); a lock whose process is gone is stale and taken over.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export const LOCK_FILE = 'opencim.lock';

export interface LockHolder { pid: number; command: string; host: string; started: string; procStart?: string }

export class StoreLockedError extends Error {
  override name = 'StoreLockedError';
  constructor(readonly folder: string, readonly holder: LockHolder) {
    super(`the store ${folder} is in use by \`${holder.command}\` (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${holder.started}); ` +
      `stop it, or wait for it with --wait, or use a PostgreSQL server via --db postgres://... ` +
      `(数据库正被另一个进程使用: 请先停止它, 或加 --wait 等待, 或改用 PostgreSQL 服务器)`);
  }
}

/** the start time of a process in clock ticks since boot (Linux), to tell a live holder from a reused pid */
function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true; // cannot tell: another machine's process
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStart(h.pid);
  return !(h.procStart && now && now !== h.procStart);
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' ? h : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // half-written or foreign content: treat as stale (a writer writes it before linking it in place)
    return { pid: -1, command: 'unknown', host: hostname(), started: '' };
  }
}

/** the command line of this process as a person typed it (`opencim serve --db ...`) */
export function commandLine(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)));
  const bin = /opencim(\.js)?$/.test(process.argv[1] ?? '') ? 'opencim' : `node ${process.argv[1] ?? ''}`.trim();
  return [bin, ...args].join(' ').slice(0, 300);
}

function tryAcquire(folder: string): LockHolder | null {
  const file = join(folder, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, command: commandLine(), host: hostname(), started: new Date().toISOString(), procStart: procStart(process.pid) };
  const tmp = join(folder, `${LOCK_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(me));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, file);
        return null;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(file);
      if (holder === null) continue; // released meanwhile
      if (holder.pid === process.pid && holder.host === me.host) throw new Error(`${folder} is already open in this process (close it first)`);
      if (alive(holder)) return holder;
      // stale: move it aside (atomic), and drop it only if it is still the stale one we read
      const aside = join(folder, `${LOCK_FILE}.${process.pid}.stale`);
      try { renameSync(file, aside); } catch { continue; }
      const moved = readHolder(aside);
      if (moved && moved.pid !== holder.pid) { try { linkSync(aside, file); } catch { /* its owner lost the race too */ } }
      try { unlinkSync(aside); } catch { /* gone */ }
    }
    return readHolder(file) ?? { pid: -1, command: 'unknown', host: me.host, started: '' };
  } finally {
    try { unlinkSync(tmp); } catch { /* gone */ }
  }
}

export interface StoreLock { release(): void }

/**
 * Take the folder's lock, or throw StoreLockedError naming its holder at once; with `waitMs`
 * (Infinity: no limit) poll until it is free or the time is up.
 */
export async function lockStore(folder: string, waitMs = 0): Promise<StoreLock> {
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    const holder = tryAcquire(folder);
    if (!holder) break;
    if (Date.now() >= deadline) throw new StoreLockedError(folder, holder);
    if (!announced) {
      process.stderr.write(`waiting for the store ${folder}: in use by \`${holder.command}\` (pid ${holder.pid}) 等待数据库释放...\n`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const file = join(folder, LOCK_FILE);
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const h = readHolder(file);
    if (h && h.pid === process.pid) { try { unlinkSync(file); } catch { /* gone */ } }
  };
  process.on('exit', release);
  return { release };
}
