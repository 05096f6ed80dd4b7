import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { runCheck, type CheckResult } from '../../src/analysis/indicators/run.js';
import { PARAMS, town } from './fixture.js';

async function check(params: Record<string, unknown>): Promise<CheckResult> {
  const cat = loadCatalogue('2025');
  const data = await checkDataFromRecords(town(), { ...cat.parameters, ...params } as typeof cat.parameters);
  return runCheck(data, { city: 'town', params, access: { workers: 1 } });
}

describe('the problem ledger holds only what is graded', () => {
  it('a community failing a provision rule enters the ledger only when its value is not of low confidence', async () => {
    // thresholds off: the hand-made town's compound w21 fails the kindergarten rule (computed.test.ts), a problem of the ledger
    const lenient = await check(PARAMS);
    const row = lenient.results.find((x) => x.id === 'community_kindergarten_shortfall' && x.area_id === 'compound:w21')!;
    expect(row.confidence).not.toBe('low');
    expect(lenient.renewal.ledger.some((p) => p.indicator_id === 'community_kindergarten_shortfall' && p.area_id === 'compound:w21')).toBe(true);

    // the catalogue's thresholds: 4 residential buildings (< 50) make every value of the town low confidence (not graded)
    const { confidence: _c, ...rest } = PARAMS;
    const strict = await check(rest);
    const low = strict.results.find((x) => x.id === 'community_kindergarten_shortfall' && x.area_id === 'compound:w21')!;
    expect(low.confidence).toBe('low');
    expect(low.value).toBe(row.value);
    const provision = Object.keys(strict.parameters.provision_rules as Record<string, unknown>);
    for (const p of strict.renewal.ledger.filter((x) => provision.includes(x.indicator_id))) {
      const r = strict.results.find((x) => x.id === p.indicator_id && x.area_id === p.area_id);
      expect(r?.confidence, `${p.indicator_id} ${p.area_id}`).not.toBe('low');
    }
    expect(strict.renewal.ledger.some((p) => p.indicator_id === 'community_kindergarten_shortfall')).toBe(false);
    // the failure still speaks in the renewal ranking (a screening, not a verdict)
    expect(strict.renewal.candidates.find((c) => c.id === 'compound:w21')?.failed_rules).toContain('community_kindergarten_shortfall');
  });
});
