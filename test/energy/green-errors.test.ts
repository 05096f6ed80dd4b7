import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCertifications } from '../../src/domains/energy/green.js';
import type { EnergyCity } from '../../src/domains/energy/read.js';
import { tempDir } from '../helpers/stores.js';

describe('green-building certifications (--green)', () => {
  it('names every bad row at once, as the metered reader does, and takes none', async () => {
    const f = join(tempDir('green-'), 'green.csv');
    writeFileSync(f, ['building_id,level,year', 'w1,二星,2022', 'nosuch,一星,2021', 'w2,,2023', 'w3,三星,20x1', 'w1,一星,2024'].join('\n') + '\n');
    const city = { buildings: { ids: ['w1', 'w2', 'w3'] } } as unknown as EnergyCity;
    const err = await readCertifications(f, city).then(() => null, (e: Error) => e);
    expect(err?.message.split('\n')).toEqual([
      'green.csv 第 3 行 building_id 列: 城市中没有建筑 “nosuch” (row 3, column building_id: no building "nosuch" in the city)',
      'green.csv 第 4 行 level 列: 缺少星级 (row 4, column level: empty: give the certification level (e.g. 一星, 二星, 三星))',
      'green.csv 第 5 行 year 列: “20x1” 不是年份 (row 5, column year: "20x1" is not a year)',
      'green.csv 第 6 行 building_id 列: 建筑 w1 重复 (row 6, column building_id: building w1 is listed twice)',
    ]);
    writeFileSync(f, 'building_id,level,year\nw1,二星,2022\nw3,三星,2021\n');
    expect((await readCertifications(f, city)).map((c) => [c.building_id, c.row])).toEqual([['w1', 2], ['w3', 3]]);
  });
});
