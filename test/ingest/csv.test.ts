import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser, guessDelimiter, readCsv } from '../../src/ingest/csv.js';
import { wgs84ToBd09 } from '../../src/ingest/crs.js';
import { IngestError } from '../../src/model/errors.js';
import { readFeatures, type FeatureReadOptions, type GeoFeature } from '../../src/ingest/features.js';
import { UTF8_ASKED_AS_GBK } from '../../src/ingest/encoding.js';
import { readCensus } from '../../src/ingest/population.js';
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

/** GBK bytes of `s` (iconv, independent of the code under test) */
const gbk = (s: string) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: s });

describe('CSV text encodings: text that does not decode is an error, never U+FFFD or mojibake', () => {
  it('a GBK file read with --encoding utf-8: refused, naming the line, the column and the byte, and suggesting --encoding gbk', async () => {
    const head = gbk('lon,lat,name,kind\n116.1,40.1,a,b\n116.2,40.2,');
    const f = write(Buffer.concat([head, gbk('中关村,学校\n')]));
    const e = await failure(read(f, { encoding: 'utf-8' }));
    expect(e.file).toBe(f);
    expect(e.location).toBe('line 3, column name');
    expect(e.problem).toBe(`文件第 3 行（第 ${head.length + 1} 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码（Excel 与 12345 等系统常这样导出），请加 --encoding gbk / ` +
      `the file is not valid UTF-8 text from line 3, byte ${head.length + 1}: it is probably GBK (as Excel and systems such as 12345 often export it): add --encoding gbk`);
    // the same file without --encoding is GBK, read as such
    expect((await read(f)).map((x) => x.properties)).toEqual([{ name: 'a', kind: 'b' }, { name: '中关村', kind: '学校' }]);
  });

  it('in the header, and past the first MiB of the file: the same exact place', async () => {
    const e = await failure(read(write(gbk('lon,lat,名称\n116,40,x\n')), { encoding: 'utf8' }));
    expect(e.location).toBe('line 1, column 3');
    expect(e.problem).toMatch(/^文件第 1 行（表头）（第 9 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码/);
    const rows = 'lon,lat,name\n' + '116.30000,39.90000,ok\n'.repeat(60_000); // ~1.3 MB of ASCII
    const e2 = await failure(read(write(Buffer.concat([Buffer.from(rows), gbk('116,40,海淀\n')])), { encoding: 'utf-8' }));
    expect(e2.location).toBe('line 60002, column name');
    expect(e2.problem).toContain(`第 ${rows.length + 8} 字节`);
  });

  it('a UTF-8 file with --encoding gbk (or GB18030, its decoder, or a name of it) is refused, as the staff files are', async () => {
    const f = write('lon,lat,name\n116,40,中关村\n');
    for (const encoding of ['gbk', 'GBK', 'cp936', 'gb18030']) {
      const e = await failure(read(f, { encoding }));
      expect(e.file, encoding).toBe(f);
      expect(e.problem, encoding).toBe(UTF8_ASKED_AS_GBK);
    }
    // ASCII is the same in both: read
    expect(await read(write('lon,lat,name\n116,40,x\n'), { encoding: 'gbk' })).toHaveLength(1);
  });

  it('the guess: a file neither UTF-8 nor GBK is refused (the GBK fallback is checked), and says to give --encoding', async () => {
    const head = Buffer.from('lon,lat,name\n116,40,');
    const f = write(Buffer.concat([head, Buffer.from([0x41, 0xff, 0x42]), Buffer.from('\n')]));
    const e = await failure(read(f));
    expect(e.location).toBe('line 2, column name');
    expect(e.problem).toBe(`文件第 2 行（第 ${head.length + 2} 字节）起不是有效的 GBK 文本，也不是有效的 UTF-8 文本；未给 --encoding 时，不是 UTF-8 的文件按 GBK 读取：请用 --encoding 指定其编码 / ` +
      `the file is not valid GBK text from line 2, byte ${head.length + 2}, nor valid UTF-8 text; without --encoding a file that is not UTF-8 is read as GBK: give its encoding with --encoding`);
  });

  it('a census table takes the same rules', async () => {
    const f = write(gbk('区划代码,名称,常住人口\n110108001,海淀街道,3000\n'));
    const e = await failure(readCensus(f, { encoding: 'utf-8' }));
    expect(e.file).toBe(f);
    expect(e.location).toBe('line 1, column 1');
    expect(e.problem).toMatch(/^文件第 1 行（表头）（第 1 字节）起不是有效的 UTF-8 文本：.*请加 --encoding gbk \/ /);
    expect((await readCensus(f)).rows[0].name).toBe('海淀街道');
    const u = await failure(readCensus(write('区划代码,名称,常住人口\n110108001,海淀街道,3000\n'), { encoding: 'gbk' }));
    expect(u.problem).toBe(UTF8_ASKED_AS_GBK);
  });
});
