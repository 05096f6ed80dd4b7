import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser, guessDelimiter, readCsv } from '../../src/ingest/csv.js';
import { wgs84ToBd09 } from '../../src/ingest/crs.js';
import { IngestError } from '../../src/model/errors.js';
import { readFeatures, type FeatureReadOptions, type GeoFeature } from '../../src/ingest/features.js';
import type { IngestProblem } from '../../src/model/types.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(content: string | Buffer, ext = '.csv'): string {
  const f = join(dir, `f${n++}${ext}`);
  writeFileSync(f, content);
  return f;
}

async function read(file: string, options?: FeatureReadOptions): Promise<GeoFeature[]> {
  const out: GeoFeature[] = [];
  for await (const f of readCsv(file, options)) out.push(f);
  return out;
}

async function failure(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IngestError);
    return e as IngestError;
  }
  throw new Error('expected an IngestError');
}

const coords = (f: GeoFeature) => (f.geometry as { coordinates: [number, number] }).coordinates;

describe('CSV parser', () => {
  it('RFC 4180 quoting, split anywhere', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\n1,,3\n\n"last",q,"\r\n"';
    const expected = [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['1', '', '3'] },
      { line: 5, fields: [''] },
      { line: 6, fields: ['last', 'q', '\r\n'] },
    ];
    for (const step of [1, 2, 3, 7, text.length]) {
      const p = new CsvParser(',', 'x.csv');
      const out: { line: number; fields: string[] }[] = [];
      for (let i = 0; i < text.length; i += step) p.push(text.slice(i, i + step), out);
      p.end(out);
      expect(out, `chunks of ${step}`).toEqual(expected);
    }
  });

  it('guesses the delimiter from the header', () => {
    expect(guessDelimiter('name;lon;lat')).toBe(';');
    expect(guessDelimiter('name\tlon\tlat')).toBe('\t');
    expect(guessDelimiter('"a;b",lon,lat')).toBe(',');
    expect(guessDelimiter('lon')).toBe(',');
  });
});

describe('CSV points', () => {
  it('BOM, Chinese headers, quoted fields with commas and line breaks', async () => {
    const text =
      '\uFEFF名称,经度,纬度,类型\n' +
      '"海淀区中关村第一小学",116.3201,39.9841,小学\n' +
      '"便利店, 24小时","116.33","39.98","超市\n便利店"\n' +
      '"""老"" 菜市场",116.34,39.97,菜市场\n';
    const fs = await read(write(text));
    expect(fs.length).toBe(3);
    expect(fs[0].properties).toEqual({ 名称: '海淀区中关村第一小学', 类型: '小学' });
    expect(coords(fs[0])).toEqual([116.3201, 39.9841]);
    expect(fs[1].properties).toEqual({ 名称: '便利店, 24小时', 类型: '超市\n便利店' });
    expect(fs[2].properties.名称).toBe('"老" 菜市场');
    expect(fs.map((f) => f.index)).toEqual([0, 1, 2]);
  });

  it('a bad number names its line (counting line breaks inside quotes) and column', async () => {
    const text = 'name,lng,lat\n"a\nb",116.1,39.9\nc,116.2,39.9\nd,116.3,39.9x\ne,116.4,39.9\n';
    const e = await failure(read(write(text)));
    expect(e.location).toBe('line 5, column lat');
    expect(e.problem).toBe('"39.9x" 不是数字 / "39.9x" is not a number');
    expect(e.message).toBe(`${e.file} (line 5, column lat): "39.9x" 不是数字 / "39.9x" is not a number`);
    const e2 = await failure(read(write('name,lng,lat\na,,39.9\n')));
    expect(e2.location).toBe('line 2, column lng');
  });

  it('rows without any coordinates are skipped and reported', async () => {
    const problems: IngestProblem[] = [];
    const fs = await read(write('name,lon,lat\na,,\nb,116,40\n'), { onProblem: (p) => problems.push(p) });
    expect(fs.length).toBe(1);
    expect(problems).toEqual([{ id: '0', problem: 'line 2: 没有坐标，已跳过 / no coordinates, skipped' }]);
  });

  it('configurable columns, case-insensitive defaults, semicolons, CRLF', async () => {
    const fs = await read(write('ID;POINT_X;POINT_Y\r\n1;116.5;40.5\r\n'));
    expect(coords(fs[0])).toEqual([116.5, 40.5]);
    const gs = await read(write('名字,东,北\nA,116.1,40.1\n'), { lonField: '东', latField: '北' });
    expect(coords(gs[0])).toEqual([116.1, 40.1]);
    const e = await failure(read(write('name,a,b\nx,1,2\n')));
    expect(e.message).toMatch(/no longitude column.*columns are: name, a, b/);
    // Chinese first, with the same facts: the columns looked for, the flag, the columns there are
    expect(e.problem).toMatch(/^没有经度列（查找了 lon, lng, long, longitude, 经度, x, point_x）：请用 --lon COLUMN 指定列名；现有的列：name, a, b \/ no longitude column/);
    const e2 = await failure(read(write('name,lon,lat\nx,1,2\n'), { lonField: 'LONG_X' }));
    expect(e2.message).toMatch(/no column "LONG_X"/);
    expect(e2.problem).toMatch(/^没有经度列 "LONG_X"；现有的列：name, lon, lat \/ /);
  });

  it('GBK-encoded files (Excel in Chinese Windows) are detected', async () => {
    // "经度,纬度,名称\n116,40,中关村大街\n" in GBK
    const gbk = Buffer.concat([
      Buffer.from([0xbe, 0xad, 0xb6, 0xc8]),
      Buffer.from(','),
      Buffer.from([0xce, 0xb3, 0xb6, 0xc8]),
      Buffer.from(','),
      Buffer.from([0xc3, 0xfb, 0xb3, 0xc6]),
      Buffer.from('\n116,40,'),
      Buffer.from([0xd6, 0xd0, 0xb9, 0xd8, 0xb4, 0xe5, 0xb4, 0xf3, 0xbd, 0xd6]),
      Buffer.from('\n'),
    ]);
    const fs = await read(write(gbk));
    expect(fs[0].properties).toEqual({ 名称: '中关村大街' });
    expect(coords(fs[0])).toEqual([116, 40]);
  });

  it('BD-09 coordinates from Baidu, and projected x/y with --crs', async () => {
    const [bx, by] = wgs84ToBd09(116.3975, 39.9087);
    const [f] = await read(write(`name,lng,lat\n天安门,${bx},${by}\n`), { coords: 'bd09' });
    expect(coords(f)[0]).toBeCloseTo(116.3975, 7);
    expect(coords(f)[1]).toBeCloseTo(39.9087, 7);
    const out: GeoFeature[] = [];
    for await (const x of readFeatures(write('x,y\n500000,2500000\n'), { crs: 'EPSG:4547' })) out.push(x);
    const [g] = out;
    expect(coords(g)[1]).toBeCloseTo(22.597822906672867, 9);
  });

  it('unterminated quote and too many fields are errors with the line', async () => {
    const e = await failure(read(write('name,lon,lat\na,1,2\n"b,1,2\n')));
    expect(e.location).toBe('line 3');
    expect(e.problem).toMatch(/^引号内的字段没有结束.* \/ unterminated/);
    const e2 = await failure(read(write('name,lon,lat\na,1,2,extra\n')));
    expect(e2.location).toBe('line 2');
    expect(e2.problem).toMatch(/^有 4 个字段，但表头只有 3 个.* \/ 4 fields but the header has 3/);
    const ok = await read(write('name,lon,lat\na,1,2,\n')); // a trailing empty field is tolerated
    expect(ok.length).toBe(1);
  });
});
