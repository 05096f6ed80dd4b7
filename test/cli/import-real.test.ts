import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile } from '../helpers/stores.js';

interface Counts { buildings: number; walkable_ways: number; parks: number; facilities: Record<string, number> }

/** Counts by an independent implementation of the taxonomy rules (Python over osmium's XML). */
function independentCounts(file: string): Counts {
  const out = execFileSync('/usr/bin/python3', [resolve(import.meta.dirname, '../helpers/osm_counts.py'), file], { encoding: 'utf8' });
  return JSON.parse(out) as Counts;
}

const FILES = ['beijing-haidian-cau.osm.pbf', 'beijing-haidian-cau.osm', 'beijing-bupt.osm.pbf', 'shanghai-shu-baoshan.osm.pbf', 'shenzhen-longgang.osm.pbf', 'shanghai-le-degn.osm.pbf'];

describe.each(DRIVERS)('opencim import of real OSM extracts ($name)', (driver) => {
  it.each(FILES)('%s: counts match an independent count', async (name) => {
    const file = dataFile(name);
    const expected = independentCounts(file);
    const db = await driver.fresh();
    const r = await runCli(['import', file, '--db', db, '--city', 'real', '--json', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [s] = JSON.parse(r.stdout).sources;
    expect(s.counts.buildings).toBe(expected.buildings);
    expect(s.counts.walk_edges).toBe(expected.walkable_ways);
    expect(s.counts.roads).toBe(expected.roads_not_walkable);
    const nonzero = Object.fromEntries(Object.entries(expected.facilities).filter(([, n]) => n > 0));
    expect(s.categories).toEqual(nonzero);
    expect(s.categories.park ?? 0).toBe(expected.parks);

    const st = await runCli(['stats', '--db', db, '--json']);
    expect(st.code).toBe(0);
    const [city] = JSON.parse(st.stdout).cities;
    expect(city.city_id).toBe('real');
    expect(city.counts.buildings).toBe(expected.buildings);
    expect(city.sources[0].format).toMatch(/^osm-/);
  });
});
