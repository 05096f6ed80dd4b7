/**
 * One process at a time on an embedded (PGlite) store: PGlite is a single-user PostgreSQL whose
 * `postmaster.pid` holds a fake pid, so two processes on one folder corrupt it. Whoever opens the
 * folder holds `opencim.lock` in it: a symbolic link created atomically with symlink(2) whose target
 * names the holder (pid, command, host, start time), which needs no data block, so that a store on
 * a full disk can still be opened to read it. A lock whose process is gone is stale and taken over.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { OpenCimError } from '../model/errors.js';

export const LOCK_FILE = 'opencim.lock';

export interface LockHolder { pid: number; command: string; host: string; started: string; procStart?: string }

export class StoreLockedError extends OpenCimError {
  constructor(readonly folder: string, readonly holder: LockHolder) {
    super('unavailable', `the store ${folder} is in use by \`${holder.command}\` (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${holder.started}); ` +
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
  let target: string;
  try {
    target = readlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { pid: -1, command: 'unknown', host: hostname(), started: '' }; // not our lock: stale
  }
  try {
    const h = JSON.parse(target) as LockHolder;
    if (typeof h.pid !== 'number') throw new Error('no pid');
    // the short form written on a full disk: the command from the process itself
    h.command ??= cmdlineOf(h.pid) ?? 'unknown';
    h.host ??= hostname();
    h.started ??= '';
    return h;
  } catch {
    return { pid: -1, command: 'unknown', host: hostname(), started: '' };
  }
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 300) || undefined;
  } catch {
    return undefined;
  }
}

/** the command line of this process as a person typed it (`opencim serve --db ...`) */
export function commandLine(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)));
  const bin = /opencim(\.js)?$/.test(process.argv[1] ?? '') ? 'opencim' : `node ${process.argv[1] ?? ''}`.trim();
  return [bin, ...args].join(' ').slice(0, 300);
}

function create(file: string, me: LockHolder): boolean {
  try {
    symlinkSync(JSON.stringify(me), file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOSPC' && code !== 'ENAMETOOLONG') throw e;
  }
  // a full disk has no block for a long target: the short form fits in the inode
  try {
    symlinkSync(JSON.stringify({ pid: me.pid, procStart: me.procStart }), file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function tryAcquire(folder: string): LockHolder | null {
  const file = join(folder, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, command: commandLine(), host: hostname(), started: new Date().toISOString(), procStart: procStart(process.pid) };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(file, me)) return null;
    const holder = readHolder(file);
    if (holder === null) continue; // released meanwhile
    if (holder.pid === process.pid && holder.host === me.host) throw new Error(`${folder} is already open in this process (close it first)`);
    if (alive(holder)) return holder;
    // stale: move it aside (atomic), and drop it only if it is still the stale one we read
    const aside = join(folder, `${LOCK_FILE}.${process.pid}.stale`);
    let target: string;
    try {
      target = readlinkSync(file);
      renameSync(file, aside);
    } catch {
      continue;
    }
    let moved: string | undefined;
    try { moved = readlinkSync(aside); } catch { /* gone */ }
    if (moved !== undefined && moved !== target) { try { symlinkSync(moved, file); } catch { /* its owner lost the race too */ } }
    try { unlinkSync(aside); } catch { /* gone */ }
  }
  return readHolder(file) ?? { pid: -1, command: 'unknown', host: me.host, started: '' };
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
