import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestError } from '../../src/model/errors.js';
import { readFeatures, type GeoFeature } from '../../src/ingest/features.js';
import { readShapefile } from '../../src/ingest/shapefile.js';
import { UTF8_ASKED_AS_GBK } from '../../src/ingest/encoding.js';
import type { IngestProblem } from '../../src/model/types.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-shp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- a minimal Shapefile writer (polygons and points), written from the ESRI spec ----

type Ring = [number, number][];
interface Field {
  /** name bytes (ASCII or GBK) */
  name: Buffer;
  type: 'C' | 'N' | 'D';
  length: number;
  decimals?: number;
}

function shpHeader(type: number, fileBytes: number, bbox: number[]): Buffer {
  const h = Buffer.alloc(100);
  h.writeInt32BE(9994, 0);
  h.writeInt32BE(fileBytes / 2, 24);
  h.writeInt32LE(1000, 28);
  h.writeInt32LE(type, 32);
  bbox.forEach((v, i) => h.writeDoubleLE(v, 36 + 8 * i));
  return h;
}

function polygonContent(rings: Ring[]): Buffer {
  const pts = rings.flat();
  const b = Buffer.alloc(44 + 4 * rings.length + 16 * pts.length);
  b.writeInt32LE(5, 0);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].forEach((v, i) => b.writeDoubleLE(v, 4 + 8 * i));
  b.writeInt32LE(rings.length, 36);
  b.writeInt32LE(pts.length, 40);
  let start = 0;
  rings.forEach((r, i) => {
    b.writeInt32LE(start, 44 + 4 * i);
    start += r.length;
  });
  let o = 44 + 4 * rings.length;
  for (const [x, y] of pts) {
    b.writeDoubleLE(x, o);
    b.writeDoubleLE(y, o + 8);
    o += 16;
  }
  return b;
}

function writeShapefile(base: string, shapes: (Ring[] | null)[], fields: Field[], rows: (Buffer | string | number | null)[][], extra: { prj?: string; cpg?: string; skipDbf?: boolean } = {}) {
  const contents = shapes.map((s) => {
    if (s === null) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(0, 0);
      return b;
    }
    return polygonContent(s);
  });
  const all = shapes.filter((s): s is Ring[] => s !== null).flat(2);
  const bbox = [Math.min(...all.map((p) => p[0])), Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[0])), Math.max(...all.map((p) => p[1]))];
  const records: Buffer[] = [];
  const index: Buffer[] = [];
  let offset = 100;
  contents.forEach((c, i) => {
    const rh = Buffer.alloc(8);
    rh.writeInt32BE(i + 1, 0);
    rh.writeInt32BE(c.length / 2, 4);
    records.push(rh, c);
    const ix = Buffer.alloc(8);
    ix.writeInt32BE(offset / 2, 0);
    ix.writeInt32BE(c.length / 2, 4);
    index.push(ix);
    offset += 8 + c.length;
  });
  writeFileSync(`${base}.shp`, Buffer.concat([shpHeader(5, offset, bbox), ...records]));
  writeFileSync(`${base}.shx`, Buffer.concat([shpHeader(5, 100 + 8 * contents.length, bbox), ...index]));

  if (!extra.skipDbf) {
    const recLen = 1 + fields.reduce((s, f) => s + f.length, 0);
    const headLen = 32 + 32 * fields.length + 1;
    const h = Buffer.alloc(headLen);
    h[0] = 0x03;
    h[1] = 126;
    h[2] = 1;
    h[3] = 1;
    h.writeUInt32LE(rows.length, 4);
    h.writeUInt16LE(headLen, 8);
    h.writeUInt16LE(recLen, 10);
    fields.forEach((f, i) => {
      const p = 32 + 32 * i;
      f.name.copy(h, p, 0, Math.min(11, f.name.length));
      h[p + 11] = f.type.charCodeAt(0);
      h[p + 16] = f.length;
      h[p + 17] = f.decimals ?? 0;
    });
    h[headLen - 1] = 0x0d;
    const body = rows.map((row) => {
      const r = Buffer.alloc(recLen, 0x20);
      let o = 1;
      row.forEach((v, i) => {
        const f = fields[i];
        let bytes: Buffer;
        if (v === null) bytes = Buffer.alloc(0);
        else if (Buffer.isBuffer(v)) bytes = v;
        else if (typeof v === 'number') bytes = Buffer.from(v.toFixed(f.decimals ?? 0).padStart(f.length, ' '), 'latin1');
        else bytes = Buffer.from(v, 'utf8');
        bytes.copy(r, o, 0, Math.min(bytes.length, f.length));
        o += f.length;
      });
      return r;
    });
    writeFileSync(`${base}.dbf`, Buffer.concat([h, ...body, Buffer.from([0x1a])]));
  }
  if (extra.prj) writeFileSync(`${base}.prj`, extra.prj);
  if (extra.cpg) writeFileSync(`${base}.cpg`, extra.cpg);
}

const PRJ_4547 =
  'PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

// EPSG:4547 points and their WGS84 positions, from PostGIS (see crs.test.ts)
const A: [number, number] = [500000.0, 2500000.0];
const B: [number, number] = [620000.0, 2520000.0];
const C: [number, number] = [386000.5, 2495000.25];
const A84 = [114.00000000000001, 22.597822906672867];
const B84 = [115.16848219068696, 22.77414898961328];
const C84 = [112.8917522746353, 22.548855371210884];

const GBK_NAME = Buffer.from([0xd6, 0xd0, 0xb9, 0xd8, 0xb4, 0xe5, 0xb4, 0xf3, 0xbd, 0xd6]); // 中关村大街
const GBK_FIELD = Buffer.from([0xc3, 0xfb, 0xb3, 0xc6]); // 名称

async function all(gen: AsyncIterable<GeoFeature>): Promise<GeoFeature[]> {
  const out: GeoFeature[] = [];
  for await (const f of gen) out.push(f);
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

const fields: Field[] = [
  { name: GBK_FIELD, type: 'C', length: 20 },
  { name: Buffer.from('HEIGHT'), type: 'N', length: 10, decimals: 1 },
  { name: Buffer.from('BUILT'), type: 'D', length: 8 },
];

describe('Shapefile', () => {
  it('reads a GK-projected polygon shapefile with GBK attributes (no .cpg) back in WGS84', async () => {
    const base = join(dir, 'buildings');
    const ring: Ring = [A, C, B, A]; // clockwise: an outer ring
    const square: Ring = [
      [500000, 2500000],
      [500000, 2500100],
      [500100, 2500100],
      [500100, 2500000],
      [500000, 2500000],
    ];
    writeShapefile(base, [[ring], [square]], fields, [
      [GBK_NAME, 25.5, '19980501'],
      ['Tower', null, null],
    ], { prj: PRJ_4547 });
    const fs = await all(readShapefile(`${base}.shp`));
    expect(fs.length).toBe(2);
    const g = fs[0].geometry;
    expect(g.type).toBe('Polygon');
    const coords = (g as { coordinates: number[][][] }).coordinates[0];
    expect(coords.length).toBe(4);
    for (const [got, want] of [
      [coords[0], A84],
      [coords[1], C84],
      [coords[2], B84],
      [coords[3], A84],
    ]) {
      expect(Math.abs(got[0] - want[0])).toBeLessThan(1e-9);
      expect(Math.abs(got[1] - want[1])).toBeLessThan(1e-9);
    }
    expect(fs[0].properties).toEqual({ 名称: '中关村大街', HEIGHT: 25.5, BUILT: '1998-05-01' });
    expect(fs[1].properties).toEqual({ 名称: 'Tower', HEIGHT: null, BUILT: null });
    // a 100 m square at the central meridian: about 0.00097° of longitude by 0.0009° of latitude
    const sq = (fs[1].geometry as { coordinates: number[][][] }).coordinates[0];
    expect(sq[2][0] - sq[0][0]).toBeCloseTo(100 / (111320 * Math.cos((22.598 * Math.PI) / 180)), 5);
  });

  it('uses the .cpg when present, and UTF-8 when the bytes are valid UTF-8', async () => {
    const base = join(dir, 'utf8');
    writeShapefile(base, [[[A, C, B, A]]], [{ name: Buffer.from('名称', 'utf8'), type: 'C', length: 30 }], [['中关村大街']], { prj: PRJ_4547 });
    expect((await all(readShapefile(`${base}.shp`)))[0].properties).toEqual({ 名称: '中关村大街' });
    const base2 = join(dir, 'cpg');
    writeShapefile(base2, [[[A, C, B, A]]], [{ name: Buffer.from('NAME'), type: 'C', length: 30 }], [[GBK_NAME]], { prj: PRJ_4547, cpg: '936' });
    expect((await all(readShapefile(`${base2}.shp`)))[0].properties).toEqual({ NAME: '中关村大街' });
    // --encoding wins
    const base3 = join(dir, 'given');
    writeShapefile(base3, [[[A, C, B, A]]], [{ name: Buffer.from('NAME'), type: 'C', length: 30 }], [[GBK_NAME]], { prj: PRJ_4547, cpg: 'UTF-8' });
    expect((await all(readFeatures(`${base3}.shp`, { encoding: 'GBK' })))[0].properties).toEqual({ NAME: '中关村大街' });
  });

  it('a missing .dbf is an IngestError naming it', async () => {
    const base = join(dir, 'nodbf');
    writeShapefile(base, [[[A, C, B, A]]], fields, [], { skipDbf: true, prj: PRJ_4547 });
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.message).toMatch(/missing nodbf\.dbf/);
    expect(e.problem).toMatch(/^缺少 nodbf\.dbf：Shapefile 需要同名的 \.shp（几何）和 \.dbf（属性）文件 \/ missing nodbf\.dbf: /);
  });

  it('--crs overrides the .prj; no .prj and projected numbers ask for --crs', async () => {
    const base = join(dir, 'noprj');
    writeShapefile(base, [[[A, C, B, A]]], [{ name: Buffer.from('ID'), type: 'N', length: 5 }], [[1]]);
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.message).toMatch(/--crs/);
    expect(e.location).toBe('record 1');
    const [f] = await all(readShapefile(`${base}.shp`, { crs: 'EPSG:4547' }));
    expect((f.geometry as { coordinates: number[][][] }).coordinates[0][0][1]).toBeCloseTo(A84[1], 9);
  });

  it('a ring with fewer than 4 points names the record; null shapes are skipped and reported', async () => {
    const base = join(dir, 'bad');
    writeShapefile(base, [[[A, C, B, A]], null, [[A, C, A]]], [{ name: Buffer.from('ID'), type: 'N', length: 5 }], [[1], [2], [3]], { prj: PRJ_4547 });
    const problems: IngestProblem[] = [];
    const e = await failure(all(readShapefile(`${base}.shp`, { onProblem: (p) => problems.push(p) })));
    expect(e.location).toBe('record 3');
    expect(e.problem).toMatch(/^Polygon 外环 只有 3 个点，环至少需要 4 个 \/ Polygon outer ring has 3 position\(s\), a ring needs at least 4$/);
    expect(problems).toEqual([{ id: '1', problem: 'record 2: 空几何（null shape），已跳过 / null shape, skipped' }]);
  });

  it('an unknown .prj is an IngestError asking for --crs', async () => {
    const base = join(dir, 'bj54');
    writeShapefile(base, [[[A, C, B, A]]], [{ name: Buffer.from('ID'), type: 'N', length: 5 }], [[1]], {
      prj: PRJ_4547.replace(/CGCS2000/g, 'Beijing_1954').replace('China_Geodetic_Coordinate_System_2000', 'Beijing_1954').replace('D_China_2000', 'D_Beijing_1954').replace('6378137.0,298.257222101', '6378245.0,298.3'),
    });
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.file).toMatch(/bj54\.prj$/);
    expect(e.message).toMatch(/unknown CRS.*--crs EPSG:xxxx/);
    expect(e.problem).toMatch(/^无法识别的坐标系 "Beijing_1954_3_Degree_GK_CM_114E"：.*请用 --crs EPSG:xxxx 指定 \/ unknown CRS "Beijing_1954_3_Degree_GK_CM_114E": /);
  });
});

// the .dbf's header length for `n` fields, and where record `r` (1-based) starts
const dbfHead = (n: number) => 32 + 32 * n + 1;
const NAME_FIELD: Field[] = [{ name: Buffer.from('NAME'), type: 'C', length: 20 }];
const shapes3 = [[[A, C, B, A]], [[A, C, B, A]], [[A, C, B, A]]] as Ring[][];

describe('Shapefile .dbf text encodings: text that does not decode is an error, never U+FFFD or mojibake', () => {
  it('GBK text read with --encoding utf-8: refused, naming the .dbf, the record, the field and the byte, and suggesting --encoding gbk', async () => {
    const base = join(dir, 'enc-gbk');
    writeShapefile(base, [[[A, C, B, A]], [[A, C, B, A]]], NAME_FIELD, [['Tower'], [GBK_NAME]], { prj: PRJ_4547 });
    const e = await failure(all(readFeatures(`${base}.shp`, { encoding: 'utf-8' })));
    expect(e.file).toBe(`${base}.dbf`);
    expect(e.location).toBe('record 2, field NAME');
    const byte = dbfHead(1) + 21 + 1 + 1; // record 2, after its deletion flag
    expect(e.problem).toBe(`第 2 条记录的字段 NAME（第 ${byte} 字节）不是有效的 UTF-8 文本：很可能是 GBK 编码（Excel 与 12345 等系统常这样导出），请加 --encoding gbk / ` +
      `record 2, field NAME (byte ${byte}) is not valid UTF-8 text: it is probably GBK (as Excel and systems such as 12345 often export it): add --encoding gbk`);
    // without --encoding (no .cpg): GBK, read as such
    expect((await all(readShapefile(`${base}.shp`))).map((f) => f.properties)).toEqual([{ NAME: 'Tower' }, { NAME: '中关村大街' }]);
    // a .cpg that says UTF-8 is refused the same way, and said
    writeFileSync(`${base}.cpg`, 'UTF-8');
    const c = await failure(all(readShapefile(`${base}.shp`)));
    expect(c.location).toBe('record 2, field NAME');
    expect(c.problem).toMatch(/请加 --encoding gbk；编码由 enc-gbk\.cpg 指定 \/ .*add --encoding gbk; the encoding is the one enc-gbk\.cpg names$/);
  });

  it('a field name that does not decode names the field of the header', async () => {
    const base = join(dir, 'enc-name');
    writeShapefile(base, [[[A, C, B, A]]], [{ name: GBK_FIELD, type: 'C', length: 20 }], [['x']], { prj: PRJ_4547 });
    const e = await failure(all(readShapefile(`${base}.shp`, { encoding: 'utf8' })));
    expect(e.location).toBe('header, field 1');
    expect(e.problem).toMatch(/^表头第 1 个字段的名称（第 33 字节）不是有效的 UTF-8 文本：很可能是 GBK 编码.* \/ the name of field 1 in the header \(byte 33\) is not valid UTF-8 text: it is probably GBK/);
  });

  it('UTF-8 text with --encoding gbk (or a .cpg saying GBK) is refused, as the staff files are', async () => {
    const base = join(dir, 'enc-utf8');
    writeShapefile(base, [[[A, C, B, A]]], [{ name: Buffer.from('名称'), type: 'C', length: 20 }], [['中关村大街']], { prj: PRJ_4547 });
    for (const encoding of ['gbk', '936', 'gb18030']) {
      const e = await failure(all(readShapefile(`${base}.shp`, { encoding })));
      expect(e.file, encoding).toBe(`${base}.dbf`);
      expect(e.problem, encoding).toBe(UTF8_ASKED_AS_GBK);
    }
    writeFileSync(`${base}.cpg`, 'GBK');
    const c = await failure(all(readShapefile(`${base}.shp`)));
    expect(c.problem).toBe('enc-utf8.cpg 指定编码 "GBK"，但 .dbf 是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请加 --encoding utf-8（或改正 enc-utf8.cpg） / ' +
      'enc-utf8.cpg names the encoding "GBK", but the .dbf is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: add --encoding utf-8 (or correct enc-utf8.cpg)');
    expect((await all(readShapefile(`${base}.shp`, { encoding: 'utf-8' })))[0].properties).toEqual({ 名称: '中关村大街' });
  });

  it('the guess: a .dbf neither UTF-8 nor GBK is refused (the GBK fallback is checked), and says to give --encoding', async () => {
    const base = join(dir, 'enc-neither');
    writeShapefile(base, [[[A, C, B, A]]], NAME_FIELD, [[Buffer.from([0x41, 0xff, 0x42])]], { prj: PRJ_4547 });
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.location).toBe('record 1, field NAME');
    expect(e.problem).toBe(`第 1 条记录的字段 NAME（第 ${dbfHead(1) + 3} 字节）不是有效的 GBK 文本，也不是有效的 UTF-8 文本；未给 --encoding、.cpg 也未指明编码时，不是 UTF-8 的 .dbf 按 GBK 读取：请用 --encoding 指定其编码 / ` +
      `record 1, field NAME (byte ${dbfHead(1) + 3}) is not valid GBK text, nor valid UTF-8 text; with no --encoding and no encoding named by a .cpg, a .dbf that is not UTF-8 is read as GBK: give its encoding with --encoding`);
  });

  it('a deleted record is skipped unread: bytes in it that decode in no encoding neither refuse the file nor sway the guess', async () => {
    const base = join(dir, 'enc-deleted');
    writeShapefile(base, [[[A, C, B, A]], [[A, C, B, A]]], NAME_FIELD, [[Buffer.from([0x41, 0xff, 0x42])], ['中关村大街']], { prj: PRJ_4547 });
    const dbf = readFileSync(`${base}.dbf`);
    dbf[dbfHead(1)] = 0x2a; // record 1 deleted
    writeFileSync(`${base}.dbf`, dbf);
    const problems: IngestProblem[] = [];
    const fs = await all(readShapefile(`${base}.shp`, { onProblem: (p) => problems.push(p) }));
    expect(fs.map((f) => [f.index, f.properties])).toEqual([[1, { NAME: '中关村大街' }]]);
    expect(problems).toEqual([{ id: '0', problem: 'record 1: 在 .dbf 中标记为已删除，已跳过 / marked deleted in the .dbf, skipped' }]);
  });

  it('a multi-byte character cut off by the field width is dropped and said; the file is still found to be UTF-8', async () => {
    const base = join(dir, 'enc-cut');
    // 中关村 is 9 bytes of UTF-8: a field of 8 keeps 中关 and the first two bytes of 村
    writeShapefile(base, [[[A, C, B, A]], [[A, C, B, A]]], [{ name: Buffer.from('NAME'), type: 'C', length: 8 }], [['中关村'], ['海淀']], { prj: PRJ_4547 });
    const problems: IngestProblem[] = [];
    const fs = await all(readShapefile(`${base}.shp`, { onProblem: (p) => problems.push(p) }));
    expect(fs.map((f) => f.properties)).toEqual([{ NAME: '中关' }, { NAME: '海淀' }]);
    expect(problems).toEqual([{ id: '0', problem: 'record 1: 字段 NAME 末尾的字符被字段宽度截断（多字节字符不完整），已去掉 / field NAME ends in a character cut off by the field width (an incomplete multi-byte character), dropped' }]);
  });
});

describe('Shapefile: a .dbf with fewer records than its header declares, and files that cannot be read', () => {
  it('a truncated .dbf is said as such, with the count declared and the count read', async () => {
    const base = join(dir, 'cut-dbf');
    writeShapefile(base, shapes3, NAME_FIELD, [['a'], ['b'], ['c']], { prj: PRJ_4547 });
    const dbf = readFileSync(`${base}.dbf`);
    writeFileSync(`${base}.dbf`, dbf.subarray(0, dbfHead(1) + 21 * 2 + 10)); // two records and half of the third
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.file).toBe(`${base}.dbf`);
    expect(e.location).toBe('record 3');
    expect(e.problem).toBe('.dbf 不完整（文件被截断）：表头声明 3 条记录，实际读到 2 条 / the .dbf is truncated: its header declares 3 records, 2 could be read');
    // a .shp cut at the same place does not hide it
    const base2 = join(dir, 'cut-both');
    writeShapefile(base2, shapes3.slice(0, 2), NAME_FIELD, [['a'], ['b'], ['c']], { prj: PRJ_4547 });
    writeFileSync(`${base2}.dbf`, dbf.subarray(0, dbfHead(1) + 21 * 2));
    expect((await failure(all(readShapefile(`${base2}.shp`)))).problem).toMatch(/declares 3 records, 2 could be read$/);
  });

  it('an end-of-file marker before the declared count is said as such', async () => {
    const base = join(dir, 'eof-dbf');
    writeShapefile(base, shapes3, NAME_FIELD, [['a'], ['b'], ['c']], { prj: PRJ_4547 });
    const dbf = readFileSync(`${base}.dbf`);
    dbf[dbfHead(1) + 21] = 0x1a; // where record 2 starts
    writeFileSync(`${base}.dbf`, dbf);
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.location).toBe('record 2');
    expect(e.problem).toBe('.dbf 在文件结束标记（0x1A）处提前结束：表头声明 3 条记录，实际读到 1 条 / the .dbf ends early, at an end-of-file marker (0x1A): its header declares 3 records, 1 could be read');
  });

  it('a whole .dbf with fewer records than the .shp gives the count it holds', async () => {
    const base = join(dir, 'short-dbf');
    writeShapefile(base, shapes3, NAME_FIELD, [['a'], ['b']], { prj: PRJ_4547 });
    const e = await failure(all(readShapefile(`${base}.shp`)));
    expect(e.location).toBe('record 3');
    expect(e.problem).toBe('.dbf 的记录（2 条）少于 .shp / the .dbf has fewer records (2) than the .shp');
  });

  it('a .prj, .cpg or .dbf that cannot be read is an IngestError naming it', async () => {
    for (const ext of ['prj', 'cpg', 'dbf']) {
      const sub = join(dir, `unreadable-${ext}`);
      mkdirSync(sub);
      const base = join(sub, 'a');
      writeShapefile(base, [[[A, C, B, A]]], NAME_FIELD, [['a']], { prj: PRJ_4547, cpg: 'UTF-8' });
      rmSync(`${base}.${ext}`);
      mkdirSync(`${base}.${ext}`); // a folder in its place: unreadable as a file whoever runs the tests (a mode is not, for root)
      const e = await failure(all(readShapefile(`${base}.shp`)));
      expect(e.file, ext).toBe(`${base}.${ext}`);
      expect(e.problem, ext).toBe('无法读取文件：EISDIR / cannot read the file: EISDIR');
    }
  });
});
