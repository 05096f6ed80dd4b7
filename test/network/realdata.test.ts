import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { computeAccess, placesFromRecords, SUMMARY_THRESHOLDS_M } from '../../src/analysis/network/access.js';
import { dataFile } from '../helpers/stores.js';

/**
 * Cross-check against an independent implementation (test/network/xcheck.py: osmium export for the
 * ways, numpy snapping, scipy.sparse.csgraph.dijkstra with min_only and limit), on real extracts.
 * Origins and facilities come from our reader; the network, snapping and search do not.
 */
const XCHECK = resolve(import.meta.dirname, 'xcheck.py');
const FILES = ['beijing-haidian-cau.osm.pbf', 'beijing-bupt.osm.pbf', 'shenzhen-longgang.osm.pbf', 'shanghai-shu-baoshan.osm.pbf'];
const cutoff = 3000;

describe('real data: same distances as an independent scipy implementation', () => {
  for (const name of FILES) {
    it(name, async () => {
      const file = dataFile(name);
      const places = await placesFromRecords((await openSource(file, { workers: 0 })).records);
      const r = await computeAccess(places, { cutoffM: cutoff, workers: 1 });
      const n = r.origins.count;
      expect(n).toBeGreaterThan(20);
      const input = {
        pbf: file, cutoff, snap_limit: r.params.snap_limit_m, polygon_reach: r.params.polygon_reach_m, island_max: r.params.island_max_m,
        origins: Array.from({ length: n }, (_, i) => [r.origins.lon[i], r.origins.lat[i]]),
        facilities: Object.fromEntries(r.categories.map((c) => [c, (places.facilities.get(c) ?? []).map((p) => p.geometry)])),
      };
      const py = spawnSync('/usr/bin/python3', [XCHECK], { input: JSON.stringify(input), maxBuffer: 1 << 28, encoding: 'utf8' });
      expect(py.status, py.stderr).toBe(0);
      const ref = JSON.parse(py.stdout) as { distances: Record<string, (number | null)[]> };
      const report: string[] = [];
      let compared = 0;
      for (const [c, cat] of r.categories.entries()) {
        if (!places.facilities.get(cat)?.length) continue;
        const ours = Array.from({ length: n }, (_, i) => r.distances[c * n + i]);
        const theirs = ref.distances[cat].map((d) => (d === null ? Infinity : d));
        for (const th of SUMMARY_THRESHOLDS_M) {
          const a = ours.filter((d) => d <= th).length / n;
          const b = theirs.filter((d) => d <= th).length / n;
          expect(Math.abs(a - b), `${cat} within ${th} m: ours ${a.toFixed(3)} scipy ${b.toFixed(3)}`).toBeLessThanOrEqual(0.02);
        }
        const diffs: number[] = [];
        let oneSided = 0;
        ours.forEach((d, i) => {
          if (Number.isFinite(d) && Number.isFinite(theirs[i])) diffs.push(Math.abs(d - theirs[i]));
          else if (Number.isFinite(d) !== Number.isFinite(theirs[i])) oneSided++;
        });
        diffs.sort((a, b) => a - b);
        const median = diffs.length ? diffs[Math.floor(diffs.length / 2)] : 0;
        report.push(`${cat}: median |diff| ${median.toFixed(2)} m, max ${diffs.length ? diffs[diffs.length - 1].toFixed(1) : '-'} m, one-sided ${oneSided}`);
        expect(median, `${cat} median per-building difference`).toBeLessThan(25);
        compared++;
      }
      expect(compared).toBeGreaterThan(3);
      console.log(`${name}: ${n} buildings\n  ${report.join('\n  ')}`);
    });
  }
});
