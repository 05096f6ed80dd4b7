import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

/** Big cities are imported with a bigger heap: V8 flags must not break the PBF decoding workers. */
describe('node flags', () => {
  it('import works under --max-old-space-size / --max-semi-space-size with worker threads', () => {
    const dir = tempDir('flags-');
    const r = spawnSync(process.execPath, ['--max-old-space-size=6000', '--max-semi-space-size=32', BIN, 'import',
      dataFile('beijing-haidian-cau.osm.pbf'), '--workers', '2', '--db', `${dir}/db`, '--json', '-q'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).sources[0].counts.buildings).toBeGreaterThan(200);
  });
});
