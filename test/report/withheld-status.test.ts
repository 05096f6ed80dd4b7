import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

interface Row { id: string; level: string; value: number | null; status: string; source: string; confidence: string }

/** A value kept but not graded (low confidence, status no_data) must not read "no data" where the figure stands beside it. */
describe('check: a withheld value is shown as not graded, not as no data', () => {
  let dir: string, stdout: string, withheld: Row[];
  let browser: Browser;
  beforeAll(async () => {
    dir = tempDir('withheld-');
    const r = await runCli(['check', dataFile('beijing-haidian-cau.osm.pbf'), '--out', dir, '-q', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    stdout = r.stdout;
    const all = (JSON.parse(readFileSync(join(dir, 'indicators.json'), 'utf8')).indicators as Row[]).filter((x) => x.level === 'city');
    withheld = all.filter((x) => x.source === 'computed' && x.value !== null && x.status === 'no_data');
    // the extract's estimated population and sparse buildings make some values low confidence
    expect(withheld.length).toBeGreaterThan(0);
    for (const x of withheld) expect(x.confidence).toBe('low');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => { await browser?.close(); });

  it('the CLI table', () => {
    for (const x of withheld) {
      const line = stdout.split('\n').find((l) => l.startsWith(`${x.id} `))!;
      expect(line, x.id).toMatch(/not graded 不评定/);
      expect(line, x.id).not.toMatch(/no data 无数据/);
    }
    // a value that really is missing still says so
    expect(stdout.split('\n').find((l) => l.startsWith('greenway_coverage '))).toMatch(/no data 无数据/);
  });

  it('report.html, both languages', async () => {
    for (const [hash, word, no] of [['', '可信度低不评定', '无数据'], ['#lang=en', 'low confidence, not graded', 'no data']] as const) {
      const page = await browser.newPage();
      await page.goto('file://' + join(dir, 'report.html') + hash);
      await page.waitForSelector('#levels td.st');
      const cells = await page.evaluate((ids) => ids.map((id) => {
        const tr = [...document.querySelectorAll('#levels tr')].find((t) => t.querySelector('td:nth-child(2) > div.muted.small')?.textContent === id);
        return tr?.querySelector('td.st')?.textContent ?? null;
      }), withheld.map((x) => x.id));
      for (const [i, c] of cells.entries()) {
        expect(c, withheld[i].id).toContain(word);
        expect(c!.replace(word, ''), withheld[i].id).not.toContain(no);
      }
      await page.close();
    }
  });
});
