import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/opencim.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Run the real CLI (compiled dist/, built by `npm test` before vitest) as a user would. */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return new Promise((res, rej) => {
    const env = { ...process.env, ...opts.env };
    delete env.DATABASE_URL;
    if (opts.env?.DATABASE_URL) env.DATABASE_URL = opts.env.DATABASE_URL;
    const p = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}
