/**
 * The inventory's CSVs (metered data, certifications) as an analyst gets them: saved by Excel or a
 * utility's system in GBK. The text is read strictly in its encoding: a GBK file read as UTF-8 is an
 * error naming its line and the flag, never garbled addresses or levels; `--encoding gbk` reads it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';
import { gbk } from '../operations/gbk.js';
import { writeFixture } from './fixture.js';

let dir: string;
let city: string;
beforeAll(() => { dir = tempDir('carbon-enc-'); city = writeFixture(dir); });

const row = (out: string, id: string) => {
  const [h, ...lines] = readFileSync(join(out, 'carbon.csv'), 'utf8').trim().split('\n');
  const l = lines.find((x) => x.startsWith(`${id},`))!;
  return Object.fromEntries(h.split(',').map((k, i) => [k, l.split(',')[i]]));
};

describe('opencim carbon: the encoding of --metered and --green', () => {
  const metered = 'address,year,electricity_kwh,gas_m3\n东大街8号,2024,43210,0\n';
  const green = 'building_id,level,year\nw6,三星,2021\n';

  it('refuses a GBK metered file read as UTF-8, naming the line and --encoding gbk, and writes nothing', async () => {
    const m = join(dir, 'metered-gbk.csv');
    writeFileSync(m, gbk(metered));
    const out = join(dir, 'refused');
    const r = await runCli(['carbon', city, '--out', out, '--metered', m, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/metered-gbk\.csv 第 2 行 \(row 2\): 文件第 2 行（第 \d+ 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码.*--encoding gbk/);
    expect(r.stderr).not.toMatch(/没有地址为/);   // not a garbled address
    expect(existsSync(join(out, 'carbon.csv'))).toBe(false);
  });

  it('reads GBK metered data and certifications with --encoding gbk, as the same text in UTF-8 reads', async () => {
    const m = join(dir, 'm-gbk.csv'), g = join(dir, 'g-gbk.csv');
    writeFileSync(m, gbk(metered)); writeFileSync(g, gbk(green));
    const out = join(dir, 'gbk');
    const r = await runCli(['carbon', city, '--out', out, '--metered', m, '--green', g, '--encoding', 'gbk', '--json', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.summary.metered_buildings).toBe(1);
    expect(s.green.by_level).toEqual({ 三星: 1 });
    expect([row(out, 'w6').basis, Number(row(out, 'w6').electricity_kwh)]).toEqual(['partly_metered', 43210]);   // electricity only

    const mu = join(dir, 'm-utf8.csv'), gu = join(dir, 'g-utf8.csv');
    writeFileSync(mu, '\ufeff' + metered); writeFileSync(gu, green);
    const out8 = join(dir, 'utf8');
    const r8 = await runCli(['carbon', city, '--out', out8, '--metered', mu, '--green', gu, '--json', '-q']);
    expect(r8.code).toBe(0);
    const s8 = JSON.parse(r8.stdout);
    expect([s8.summary.co2e_kg, s8.green]).toEqual([s.summary.co2e_kg, s.green]);
  });

  it('refuses a GBK certification file read as UTF-8 (no garbled level), and a UTF-8 file read as GBK', async () => {
    const g = join(dir, 'green-gbk.csv');
    writeFileSync(g, gbk(green));
    const r = await runCli(['carbon', city, '--out', join(dir, 'g1'), '--green', g, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/green-gbk\.csv 第 2 行 \(row 2\): .*GBK.*--encoding gbk/);

    const m = join(dir, 'metered-utf8.csv');
    writeFileSync(m, metered);
    const r2 = await runCli(['carbon', city, '--out', join(dir, 'g2'), '--metered', m, '--encoding', 'gbk', '-q']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/metered-utf8\.csv: 文件是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请去掉 --encoding gbk/);
  });
});
