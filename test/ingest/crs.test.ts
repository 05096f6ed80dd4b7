import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  bd09ToGcj02,
  bd09ToWgs84,
  crsFromPrj,
  crsInfo,
  gaussKrugerEpsg,
  gaussKrugerParams,
  gcj02ToBd09,
  gcj02ToWgs84,
  makeTransform,
  outOfChina,
  parseCrs,
  wgs84ToBd09,
  wgs84ToGcj02,
} from '../../src/ingest/crs.js';
import { IngestError } from '../../src/model/errors.js';

/** metres between two lon/lat points (equirectangular, fine at these distances) */
function metres(a: [number, number], b: [number, number]): number {
  const k = (Math.PI / 180) * 6371008.8;
  const dx = (a[0] - b[0]) * k * Math.cos(((a[1] + b[1]) / 2) * (Math.PI / 180));
  const dy = (a[1] - b[1]) * k;
  return Math.hypot(dx, dy);
}

describe('EPSG registry of the CGCS2000 Gauss-Krüger zones', () => {
  it('knows the four families with the right central meridians and false eastings', () => {
    expect(gaussKrugerParams(4491)).toMatchObject({ centralMeridian: 75, falseEasting: 13_500_000, zoneWidth: 6 });
    expect(gaussKrugerParams(4501)).toMatchObject({ centralMeridian: 135, falseEasting: 23_500_000, zoneWidth: 6 });
    expect(gaussKrugerParams(4502)).toMatchObject({ centralMeridian: 75, falseEasting: 500_000, zoneWidth: 6 });
    expect(gaussKrugerParams(4512)).toMatchObject({ centralMeridian: 135, falseEasting: 500_000 });
    expect(gaussKrugerParams(4513)).toMatchObject({ centralMeridian: 75, falseEasting: 25_500_000, zoneWidth: 3 });
    expect(gaussKrugerParams(4533)).toMatchObject({ centralMeridian: 135, falseEasting: 45_500_000 });
    expect(gaussKrugerParams(4534)).toMatchObject({ centralMeridian: 75, falseEasting: 500_000, zoneWidth: 3 });
    expect(gaussKrugerParams(4547)).toMatchObject({ centralMeridian: 114, falseEasting: 500_000 });
    expect(gaussKrugerParams(4554)).toMatchObject({ centralMeridian: 135, falseEasting: 500_000 });
    expect(gaussKrugerParams(4490)).toBeUndefined();
    expect(gaussKrugerParams(4555)).toBeUndefined();
  });

  it('finds the code back from central meridian and false easting', () => {
    for (let epsg = 4491; epsg <= 4554; epsg++) {
      const p = gaussKrugerParams(epsg)!;
      expect(gaussKrugerEpsg(p.centralMeridian, p.falseEasting, p.zoneWidth)).toBe(epsg);
    }
    expect(gaussKrugerEpsg(114, 38_500_000)).toBe(4526); // 3° zone 38
    expect(gaussKrugerEpsg(111, 19_500_000)).toBe(4497); // 6° zone 19
    expect(gaussKrugerEpsg(114, 500_000)).toBe(4547);
    expect(gaussKrugerEpsg(114.5, 500_000)).toBeUndefined();
    expect(gaussKrugerEpsg(114, 400_000)).toBeUndefined();
  });

  it('parses the usual ways of writing a CRS', () => {
    expect(parseCrs('EPSG:4547').epsg).toBe(4547);
    expect(parseCrs('epsg:4490').epsg).toBe(4490);
    expect(parseCrs('4326').epsg).toBe(4326);
    expect(parseCrs('urn:ogc:def:crs:EPSG::4547').epsg).toBe(4547);
    expect(parseCrs('http://www.opengis.net/def/crs/EPSG/0/4549').epsg).toBe(4549);
    expect(parseCrs('urn:ogc:def:crs:OGC:1.3:CRS84').epsg).toBe(4326);
    expect(parseCrs('CGCS2000').epsg).toBe(4490);
    expect(parseCrs('EPSG:900913').epsg).toBe(3857);
    expect(() => parseCrs('EPSG:2436')).toThrow(/unknown CRS.*--crs EPSG:xxxx/); // Beijing 1954 GK: not supported
    expect(() => parseCrs('EPSG:2436')).toThrow(IngestError);
  });
});

// Reference values computed by PostGIS 3.3.2 / PROJ 9.1.1:
//   SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), srid), 4326) g) t
const POSTGIS: [number, number, number, number, number][] = [
  [4547, 500000.0, 2500000.0, 114.00000000000001, 22.597822906672867],
  [4547, 386000.5, 2495000.25, 112.8917522746353, 22.548855371210884],
  [4547, 620000.0, 2520000.0, 115.16848219068696, 22.77414898961328],
  [4549, 640123.4, 3459876.5, 121.47100686293751, 31.25226326532424],
  [4526, 38440000.0, 4420000.0, 113.29827588273533, 39.91205579094355],
  [4497, 19720000.0, 3400000.0, 113.29611543417772, 30.700310113993314],
  [4509, 200000.0, 3300000.0, 113.8982768432937, 29.782145780590106],
  [4491, 13300000.0, 4500000.0, 72.6368356373431, 40.61045700515937],
  [4554, 400000.0, 5200000.0, 133.68695217281973, 46.92728164221594],
  [4534, 700000.0, 4000000.0, 77.2210968521316, 36.109697960497776],
  [4513, 25350000.0, 3900000.0, 73.35255097028792, 35.21779979887867],
  [4502, 600000.0, 4300000.0, 76.15157700288738, 38.82764212279251],
  [4532, 44500000.0, 3500000.0, 132, 31.62255494399461],
  [3857, 12958000.5, 4852000.25, 116.403699007784, 39.90399061368714],
];

describe('projected → WGS84', () => {
  it('matches PostGIS reference points to 1e-9° (0.1 mm)', () => {
    for (const [srid, x, y, lon, lat] of POSTGIS) {
      const [a, b] = makeTransform(`EPSG:${srid}`)(x, y);
      expect(Math.abs(a - lon), `EPSG:${srid} lon`).toBeLessThan(1e-9);
      expect(Math.abs(b - lat), `EPSG:${srid} lat`).toBeLessThan(1e-9);
    }
  });

  it('treats EPSG:4490 (CGCS2000) as WGS84 and checks degree ranges', () => {
    expect(makeTransform('EPSG:4490')(116.4, 39.9)).toEqual([116.4, 39.9]);
    expect(() => makeTransform(4326)(500000, 2500000)).toThrow(/not a longitude\/latitude.*--crs/);
  });

  it('rejects eastings that belong to another zone, with a hint about the zone prefix', () => {
    expect(() => makeTransform('EPSG:4547')(38_440_000, 4_420_000)).toThrow(/zone prefix.*4513-4533/);
    expect(() => makeTransform('EPSG:4526')(440_000, 4_420_000)).toThrow(/no zone prefix.*4534-4554/);
    // Chinese first, with the coordinate, the CRS and the codes to use
    expect(() => makeTransform('EPSG:4547')(38_440_000, 4_420_000)).toThrow(
      /^坐标 \(38440000, 4420000\) 超出 CGCS2000 \/ 3-degree Gauss-Kruger CM 114E \(EPSG:4547\) 的范围；东坐标带有投影带号前缀，请用带号（"zone"）的 EPSG 代码（EPSG:4491-4501 或 4513-4533） \/ coordinate \(38440000, 4420000\) is outside/);
  });

  it('WGS84 UTM zone 50N: the forward UTM of (117°E, 31°N) comes back', () => {
    // UTM 50N central meridian 117: a point on it has easting 500 000 exactly
    const [lon, lat] = makeTransform('EPSG:32650')(500000, 3430631.5);
    expect(lon).toBeCloseTo(117, 9);
    expect(lat).toBeGreaterThan(30.99);
    expect(lat).toBeLessThan(31.01);
  });
});

describe('.prj recognition', () => {
  const esri4547 =
    'PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';
  it('ESRI names without authority: 3° CM, 3° zone with prefix, 6° zone, 6° CM', () => {
    expect(crsFromPrj(esri4547, 'a.prj').epsg).toBe(4547);
    const zone38 = esri4547.replace('CGCS2000_3_Degree_GK_CM_114E', 'CGCS2000_3_Degree_GK_Zone_38').replace('500000.0', '38500000.0');
    expect(crsFromPrj(zone38, 'a.prj').epsg).toBe(4526);
    const zone19 = esri4547.replace('CGCS2000_3_Degree_GK_CM_114E', 'CGCS2000_GK_Zone_19').replace('500000.0', '19500000.0').replace('114.0', '111.0');
    expect(crsFromPrj(zone19, 'a.prj').epsg).toBe(4497);
    const cm111 = esri4547.replace('CGCS2000_3_Degree_GK_CM_114E', 'CGCS2000_GK_CM_111E').replace('114.0', '111.0');
    expect(crsFromPrj(cm111, 'a.prj').epsg).toBe(4508);
  });

  it('OGC WKT1 with AUTHORITY, WKT2 with ID, geographic, Web Mercator', () => {
    expect(
      crsFromPrj(
        'PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",120],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","4549"]]',
        'b.prj',
      ).epsg,
    ).toBe(4549);
    expect(
      crsFromPrj(
        'PROJCRS["CGCS2000 / 3-degree Gauss-Kruger CM 114E",BASEGEOGCRS["China Geodetic Coordinate System 2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101,LENGTHUNIT["metre",1]]]],CONVERSION["3-degree Gauss-Kruger CM 114E",METHOD["Transverse Mercator",ID["EPSG",9807]],PARAMETER["Latitude of natural origin",0],PARAMETER["Longitude of natural origin",114],PARAMETER["Scale factor at natural origin",1],PARAMETER["False easting",500000],PARAMETER["False northing",0]],CS[Cartesian,2],AXIS["northing (X)",north],AXIS["easting (Y)",east],LENGTHUNIT["metre",1]]',
        'c.prj',
      ).epsg,
    ).toBe(4547);
    expect(crsFromPrj('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]', 'd.prj').epsg).toBe(4326);
    expect(crsFromPrj('GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]', 'e.prj').epsg).toBe(4490);
    expect(
      crsFromPrj(
        'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]',
        'f.prj',
      ).epsg,
    ).toBe(3857);
  });

  it('anything else is an IngestError naming the file and asking for --crs', () => {
    const beijing54 =
      'PROJCS["Beijing_1954_3_Degree_GK_CM_114E",GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';
    let err: unknown;
    try {
      crsFromPrj(beijing54, 'roads.prj');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).file).toBe('roads.prj');
    expect((err as Error).message).toMatch(/unknown CRS "Beijing_1954_3_Degree_GK_CM_114E".*use --crs EPSG:xxxx/);
    expect(() => crsFromPrj('not wkt at all', 'x.prj')).toThrow(/use --crs EPSG:xxxx/);
    expect((err as IngestError).problem).toMatch(/^无法识别的坐标系 "Beijing_1954_3_Degree_GK_CM_114E"：支持 WGS84 \(EPSG:4326\)、CGCS2000 \(EPSG:4490\)、.*请用 --crs EPSG:xxxx 指定 \/ unknown CRS "Beijing_1954_3_Degree_GK_CM_114E": supported are/);
    // a WKT that does not parse: the parser's reason in both languages
    expect(() => crsFromPrj('not wkt at all', 'x.prj')).toThrow(/^x\.prj: 无法读取坐标系（WKT：NOT 之后应为 '\['）；请用 --crs EPSG:xxxx 指定 \/ cannot read the CRS \(WKT: '\[' expected after NOT\); use --crs EPSG:xxxx$/);
  });
});

describe('GCJ-02 and BD-09', () => {
  // eviltransform's test vectors (wgsLat, wgsLng, gcjLat, gcjLng)
  const EVIL: [number, number, number, number][] = [
    [31.1774276, 121.5272106, 31.17530398364597, 121.531541859215], // Shanghai
    [22.543847, 113.912316, 22.540796131694766, 113.9171764808363], // Shenzhen
    [39.911954, 116.377817, 39.91334545536069, 116.38404722455657], // Beijing
  ];

  it('WGS84 → GCJ-02 reproduces the published vectors', () => {
    for (const [wlat, wlon, glat, glon] of EVIL) {
      const [lon, lat] = wgs84ToGcj02(wlon, wlat);
      expect(Math.abs(lon - glon)).toBeLessThan(1e-9);
      expect(Math.abs(lat - glat)).toBeLessThan(1e-9);
    }
    // coordtransform's README example
    const [lon, lat] = wgs84ToGcj02(116.404, 39.915);
    expect(lon).toBeCloseTo(116.41024449916938, 10);
    expect(lat).toBeCloseTo(39.91640428150164, 10);
  });

  it('GCJ-02 → WGS84 inverts to < 0.01 m', () => {
    for (const [wlat, wlon, glat, glon] of EVIL) {
      expect(metres(gcj02ToWgs84(glon, glat), [wlon, wlat])).toBeLessThan(0.01);
    }
    for (let lon = 73; lon < 135; lon += 3.7) {
      for (let lat = 18; lat < 53; lat += 2.9) {
        const back = gcj02ToWgs84(...wgs84ToGcj02(lon, lat));
        expect(metres(back, [lon, lat])).toBeLessThan(0.01);
      }
    }
  });

  it('the offset is hundreds of metres in China and zero outside', () => {
    const d = metres(wgs84ToGcj02(116.404, 39.915), [116.404, 39.915]);
    expect(d).toBeGreaterThan(100);
    expect(d).toBeLessThan(1000);
    expect(outOfChina(2.35, 48.85)).toBe(true);
    expect(wgs84ToGcj02(2.35, 48.85)).toEqual([2.35, 48.85]);
    expect(gcj02ToWgs84(139.69, 35.69)).toEqual([139.69, 35.69]); // Tokyo
    expect(bd09ToWgs84(2.35, 48.85)[0]).not.toBe(2.35); // BD-09's own shift applies everywhere
  });

  it('BD-09: the published forward formula, and an inverse exact to it', () => {
    const [blon, blat] = gcj02ToBd09(116.404, 39.915);
    expect(blon).toBeCloseTo(116.41036949371029, 10);
    expect(blat).toBeCloseTo(39.92133699351021, 10);
    // the published closed-form inverse gives (116.39762729119315, 39.90865673957631): ours agrees
    // to a few cm and is exact against the forward formula
    const g = bd09ToGcj02(116.404, 39.915);
    expect(metres(g, [116.39762729119315, 39.90865673957631])).toBeLessThan(0.1);
    const round = gcj02ToBd09(...g);
    expect(Math.abs(round[0] - 116.404)).toBeLessThan(1e-9);
    expect(Math.abs(round[1] - 39.915)).toBeLessThan(1e-9);
    for (const [wlat, wlon] of EVIL) expect(metres(bd09ToWgs84(...wgs84ToBd09(wlon, wlat)), [wlon, wlat])).toBeLessThan(0.01);
  });

  it('makeTransform applies --coords after the CRS; not to projected data', () => {
    const t = makeTransform('EPSG:4326', 'gcj02');
    const [wlat, wlon, glat, glon] = EVIL[0];
    expect(metres(t(glon, glat), [wlon, wlat])).toBeLessThan(0.01);
    const b = makeTransform(4490, 'bd09');
    expect(metres(b(...wgs84ToBd09(wlon, wlat)), [wlon, wlat])).toBeLessThan(0.01);
    expect(() => makeTransform('EPSG:4547', 'gcj02')).toThrow(/longitude\/latitude/);
    expect(() => makeTransform('EPSG:4547', 'gcj02')).toThrow(/^--coords gcj02 只适用于经纬度数据，不适用于 CGCS2000 \/ 3-degree Gauss-Kruger CM 114E \/ --coords gcj02 applies to longitude\/latitude data, not to CGCS2000/);
  });
});

describe('cross-check against PostGIS (live), every CGCS2000 zone', () => {
  let client: pg.Client | undefined;
  let admin: pg.Client | undefined;
  let dbName = '';

  beforeAll(async () => {
    // a scratch database next to the per-run test database (dropped here and by the run's teardown)
    const url = inject('pgUrl');
    dbName = `${url.slice(url.lastIndexOf('/') + 1)}_crs`;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    client = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, `/${dbName}`) });
    await client.connect();
    await client.query('CREATE EXTENSION postgis');
  });

  afterAll(async () => {
    await client?.end();
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('same proj4 definitions as spatial_ref_sys, and the same results for points across each zone', async () => {
    const srids: number[] = [];
    const xs: number[] = [];
    const ys: number[] = [];
    for (let epsg = 4491; epsg <= 4554; epsg++) {
      const p = gaussKrugerParams(epsg)!;
      const half = p.zoneWidth === 6 ? 330_000 : 170_000; // ±3° / ±1.5° of longitude at the equator, and a bit more
      for (const [dx, y] of [
        [-half, 2_000_000],
        [0, 3_000_000],
        [half * 0.7, 4_200_000],
        [-half * 0.4, 5_900_000],
        [123.456, 3_456_789.012],
      ]) {
        srids.push(epsg);
        xs.push(p.falseEasting + dx);
        ys.push(y);
      }
    }
    const defs = await client!.query<{ srid: number; proj4text: string }>(
      'SELECT srid, trim(proj4text) AS proj4text FROM spatial_ref_sys WHERE srid BETWEEN 4491 AND 4554',
    );
    expect(defs.rows.length).toBe(64);
    for (const r of defs.rows) expect(crsInfo(r.srid)!.proj4, `EPSG:${r.srid}`).toBe(r.proj4text);

    const res = await client!.query<{ i: number; lon: number; lat: number }>(
      `SELECT i::int, ST_X(g) AS lon, ST_Y(g) AS lat FROM (
         SELECT i, ST_Transform(ST_SetSRID(ST_MakePoint(x, y), s), 4326) AS g
         FROM unnest($1::int[], $2::float8[], $3::float8[]) WITH ORDINALITY AS t(s, x, y, i)) q ORDER BY i`,
      [srids, xs, ys],
    );
    expect(res.rows.length).toBe(srids.length);
    let worst = 0;
    for (const r of res.rows) {
      const k = r.i - 1;
      const [lon, lat] = makeTransform(srids[k])(xs[k], ys[k]);
      worst = Math.max(worst, Math.abs(lon - r.lon), Math.abs(lat - r.lat));
    }
    expect(worst).toBeLessThan(1e-9); // ≈ 0.1 mm
  });

  it('the .prj WKT of every zone (without its EPSG authority) is recognised', async () => {
    const rows = await client!.query<{ srid: number; srtext: string }>('SELECT srid, srtext FROM spatial_ref_sys WHERE srid BETWEEN 4491 AND 4554');
    for (const r of rows.rows) {
      expect(crsFromPrj(r.srtext, 'x.prj').epsg).toBe(r.srid);
      const noAuthority = r.srtext.slice(0, r.srtext.lastIndexOf(',AUTHORITY[')) + ']';
      expect(crsFromPrj(noAuthority, 'x.prj').epsg, noAuthority.slice(0, 60)).toBe(r.srid);
    }
  });
});
