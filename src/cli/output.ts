import { EXIT_CODE, OpenCimError } from '../model/errors.js';

/** Progress on stderr: a live line on a terminal, a line every few seconds otherwise. */
export class Progress {
  private last = 0;
  private shown = false;
  constructor(private label: string, private quiet = false) {}
  update(text: string, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    const tty = process.stderr.isTTY;
    if (!force && now - this.last < (tty ? 200 : 5000)) return;
    this.last = now;
    if (tty) { process.stderr.write(`\r\x1b[K${this.label}: ${text}`); this.shown = true; }
    else process.stderr.write(`${this.label}: ${text}\n`);
  }
  done(text?: string): void {
    if (this.quiet) return;
    if (this.shown) process.stderr.write('\r\x1b[K');
    if (text) process.stderr.write(`${this.label}: ${text}\n`);
  }
}

export function formatBytes(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function table(rows: (string | number)[][]): string {
  const widths: number[] = [];
  // East Asian wide characters take two columns; ≥, ², – and the like take one
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, width(String(c))); });
  return rows.map((r) => r.map((c, i) => {
    const s = String(c);
    const pad = ' '.repeat(widths[i] - width(s));
    return typeof c === 'number' ? pad + s : s + pad;
  }).join('  ').trimEnd()).join('\n');
}

/** Turn any error into a clear message and its exit code (the one error module's table: 2 for usage errors, else 1). */
export function fail(e: unknown): never {
  const err = e as Error;
  process.stderr.write(`error: ${err?.message ?? String(e)}\n`);
  if (process.env.OPENCIM_DEBUG && err?.stack) process.stderr.write(err.stack + '\n');
  process.exit(e instanceof OpenCimError ? EXIT_CODE[e.kind] : 1);
}

/** the CLI's `--wait` (what a locked store's error tells a person to use), the same on every command that opens a store */
export const WAIT_OPTION = ['--wait [seconds]', 'if another process holds the embedded store, wait for it (no limit, or this many seconds) instead of failing at once; also $OPENCIM_WAIT (数据库被占用时等待)'] as const;
