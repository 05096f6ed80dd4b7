import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import { formatCheckSummary } from '../../src/cli/check.js';
import { statusSummary } from '../../src/report/outputs.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';
import { PARAMS, town } from '../indicators/fixture.js';

/**
 * The check's summary counts each city indicator once: computed (graded, no target, verdict withheld
 * for low confidence), manual, no data. A withheld verdict is a computed value, not "no data" too.
 */
type S = Record<string, number>;
function partitions(s: S): void {
  expect(s.computed + s.manual + s.no_data).toBe(s.indicators);
  expect(s.computed_graded + s.computed_no_target + s.computed_withheld).toBe(s.computed);
}
/** the numbers of the summary line the CLI prints */
function lineCounts(text: string): S {
  const line = text.split('\n').find((l) => l.startsWith('catalogue '))!;
  const n = (re: RegExp) => Number(re.exec(line)![1]);
  return {
    indicators: n(/: (\d+) indicators/), computed: n(/computed 计算 (\d+)/), computed_graded: n(/graded 已评定 (\d+)/), computed_no_target: n(/no target 无目标 (\d+)/),
    computed_withheld: n(/可信度低不评定 (\d+)/), manual: n(/manual 填报 (\d+)/), no_data: n(/no data 无数据 (\d+)/),
  };
}

describe('check summary', () => {
  it('partitions the indicators on the town: withheld verdicts are computed values, manual values are manual only', async () => {
    const cat = loadCatalogue('2025');
    const { confidence: _c, ...strict } = PARAMS; // the catalogue's thresholds: 4 residential buildings → low confidence, verdicts withheld
    const data = await checkDataFromRecords(town(), { ...cat.parameters, ...strict } as typeof cat.parameters);
    const manual = [
      { indicator_id: 'sewage_collection_rate', area_id: 'city', value: 0.97, year: 2024, where: 'v.csv line 2' },
      { indicator_id: 'transit_access', area_id: 'city', value: 0.5, year: 2024, where: 'v.csv line 3' },
    ];
    const r = await runCheck(data, { city: 'town', params: strict, access: { workers: 1 }, manual });
    const s = statusSummary(r) as S;
    const city = r.results.filter((x) => x.level === 'city');
    expect(s.indicators).toBe(city.length);
    partitions(s);
    expect(s.manual).toBe(2);
    // population_density keeps its figure without a verdict: counted once, as computed and withheld
    const pd = city.find((x) => x.id === 'population_density')!;
    expect(pd).toMatchObject({ status: 'no_data', source: 'computed', confidence: 'low' });
    expect(pd.value).toBeGreaterThan(0);
    expect(s.computed_withheld).toBeGreaterThanOrEqual(1);
    expect(s.no_data).toBe(city.filter((x) => x.value === null).length);
    // the status counts are of graded values only
    expect(s.pass + s.fail).toBe(city.filter((x) => x.status === 'pass' || x.status === 'fail').length);
    expect(s.computed_withheld + s.no_data).toBe(city.filter((x) => x.status === 'no_data').length);
    // the line the CLI prints says the same
    const printed = lineCounts(formatCheckSummary(r, s));
    for (const [k, v] of Object.entries(printed)) expect(v, k).toBe(s[k]);
  });

  it('opencim check on the Wuhan extract: the line, --json and report.html carry the same partition', async () => {
    const file = dataFile('wuhan-optics-valley-nextzen.geojson');
    const out = tempDir('summary-');
    const text = await runCli(['check', file, '--out', out, '-q', '--workers', '1']);
    expect(text.code).toBe(0);
    const line = lineCounts(text.stdout);
    partitions(line);
    expect(line.indicators).toBe(68);
    const doc = JSON.parse(readFileSync(join(out, 'indicators.json'), 'utf8')) as { summary: S; indicators: { level: string; value: number | null; source: string; status: string }[] };
    const city = doc.indicators.filter((x) => x.level === 'city');
    // the values the table shows (population density and the like) are computed, not "no data"
    expect(line.computed).toBe(city.filter((x) => x.value !== null && x.source !== 'manual').length);
    expect(line.computed).toBeGreaterThanOrEqual(3);
    expect(line.no_data).toBe(city.filter((x) => x.value === null).length);
    for (const [k, v] of Object.entries(line)) expect(doc.summary[k], k).toBe(v);
    const json = await runCli(['check', file, '--out', tempDir('summary-j-'), '-q', '--json', '--workers', '1']);
    expect((JSON.parse(json.stdout) as { summary: S }).summary).toMatchObject(line);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]) as { meta: { summary: S } };
    expect(data.meta.summary).toMatchObject(line);
  });
});
