import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { BIN } from '../helpers/cli.js';

export interface Running { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null>; waitFor: (re: RegExp, ms?: number) => Promise<void> }

/** a long-running CLI process (serve, a slow import) whose output is watched */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): Running {
  const e = { ...process.env, ...env };
  delete e.DATABASE_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env: e });
  let out = '', err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const waitFor = (re: RegExp, ms = 180_000) => new Promise<void>((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      if (re.test(out) || re.test(err)) return res();
      if (child.exitCode !== null) return rej(new Error(`process exited (${child.exitCode}) before ${re}: ${err.slice(-2000)}`));
      if (Date.now() - t0 > ms) return rej(new Error(`timeout waiting for ${re}: ${err.slice(-2000)}`));
      setTimeout(tick, 50);
    };
    tick();
  });
  return { child, out: () => out, err: () => err, exited, waitFor };
}

/** a port free on loopback now */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}
