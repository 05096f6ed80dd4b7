import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestError } from '../../src/model/errors.js';
import { readFeatures, type GeoFeature } from '../../src/ingest/features.js';
import { readShapefile } from '../../src/ingest/shapefile.js';
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
