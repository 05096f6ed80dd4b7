import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

/** What every command promises a script: exit codes by the error's kind, and a closed pipe is not a failure. */
describe('the CLI contract', () => {
  it('a wrong command line is a usage error (exit 2), help and version exit 0', async () => {
    const usage: string[][] = [
      ['nosuchcommand'],
      ['safety', 'due', '--bogus'],
      ['safety', 'import'],
      ['check', dataFile('beijing-bupt.osm.pbf')],
      ['import', '--workers', 'many', 'x.osm.pbf'],
    ];
    for (const args of usage) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/error:/);
    }
    for (const args of [['--help'], ['--version'], ['safety', 'due', '--help'], ['help', 'import']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
    }
    // bad data is not a usage error: exit 1
    const bad = await runCli(['import', join(tempDir('contract-'), 'missing.osm.pbf'), '--db', join(tempDir('contract-'), 'db'), '-q']);
    expect(bad.code).toBe(1);
  });

  it('prints for a person by default and for a machine with --json (generate)', async () => {
    const out = join(tempDir('contract-'), 'g.osm.pbf');
    const human = await runCli(['generate', '--out', out, '--buildings', '300', '-q']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^生成城市 generated .*g\.osm\.pbf \(pbf, [\d.]+ KB, seed 1\)/);
    expect(human.stderr).toBe('');
    const machine = await runCli(['generate', '--out', out, '--buildings', '300', '-q', '--json']);
    const j = JSON.parse(machine.stdout);
    expect(human.stdout).toContain(`建筑 buildings ${j.buildings.toLocaleString('en')} (住宅 residential ${j.residentialBuildings.toLocaleString('en')};`);
  });

  it('a reader that stops early (| head) ends the output quietly, with exit 0', async () => {
    const out = tempDir('contract-');
    for (let i = 0; i < 2; i++) {
      const r = await new Promise<{ code: number | null; stderr: string }>((res, rej) => {
        const p = spawn(process.execPath, [BIN, 'check', dataFile('beijing-bupt.osm.pbf'), '--out', out, '-q']);
        let stderr = '';
        p.stderr.on('data', (d) => (stderr += d));
        // the reader is gone before the command prints (as `| head -0`, or head done early): its writes meet EPIPE
        p.stdout.destroy();
        p.on('error', rej);
        p.on('close', (code) => res({ code, stderr }));
      });
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
      expect(r.code).toBe(0);
    }
  });
});
