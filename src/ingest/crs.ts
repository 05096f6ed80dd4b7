/**
 * Coordinate reference systems for Chinese city data, all converted to WGS84 lon/lat degrees
 * (the one coordinate system inside the city model, see model/geometry.ts).
 *
 * Supported:
 * - EPSG:4326 (WGS84) and CRS84;
 * - EPSG:4490 (CGCS2000 geographic). CGCS2000 and WGS84 (G1762 and later) agree to a few
 *   centimetres at the epochs that matter for city data, far below 1 m, so CGCS2000 lon/lat are
 *   taken as WGS84 lon/lat unchanged (PostGIS/PROJ do the same: a null transformation);
 * - EPSG:4491–4554, the CGCS2000 Gauss-Krüger zones (6° and 3°, with and without the zone number
 *   prefixed to the false easting), inverse-projected on GRS80 (the CGCS2000 ellipsoid; its
 *   flattening differs from GRS80's in the 12th digit, immaterial here);
 * - EPSG:3857 Web Mercator (also 900913, 102100, 102113);
 * - EPSG:32601–32660 / 32701–32760, WGS84 UTM (common in exports from survey software);
 * - and the Chinese web-map offsets GCJ-02 (高德/腾讯/谷歌中国) and BD-09 (百度) on top of any of the
 *   geographic systems (`coords`).
 *
 * Axis order: x = easting / longitude, y = northing / latitude, as in Shapefile and GeoJSON,
 * whatever the EPSG registry says about axis order.
 */
import { IngestError } from '../model/errors.js';

export type Transform = (x: number, y: number) => [number, number];
export type CoordOffset = 'wgs84' | 'gcj02' | 'bd09';

export interface CrsInfo {
  epsg: number;
  name: string;
  /** projected (metres) rather than geographic (degrees) */
  projected: boolean;
  /** proj4 / PROJ definition (for reference and cross-checks; the transform here is hand-written) */
  proj4?: string;
}

// ---------------------------------------------------------------------------------------------
// The EPSG registry for the systems above.

/** Gauss-Krüger parameters of a CGCS2000 zone EPSG code, or undefined when the code is not one. */
export function gaussKrugerParams(epsg: number):
  | { centralMeridian: number; falseEasting: number; zoneWidth: 3 | 6; zone: number; prefixed: boolean }
  | undefined {
  if (epsg >= 4491 && epsg <= 4501) {
    // CGCS2000 / Gauss-Kruger zone 13..23: 6° zones, false easting with the zone number prefixed
    const zone = epsg - 4491 + 13;
    return { centralMeridian: 6 * zone - 3, falseEasting: zone * 1e6 + 500000, zoneWidth: 6, zone, prefixed: true };
  }
  if (epsg >= 4502 && epsg <= 4512) {
    // CGCS2000 / Gauss-Kruger CM 75E..135E: 6° zones, false easting 500 km
    const zone = epsg - 4502 + 13;
    return { centralMeridian: 6 * zone - 3, falseEasting: 500000, zoneWidth: 6, zone, prefixed: false };
  }
  if (epsg >= 4513 && epsg <= 4533) {
    // CGCS2000 / 3-degree Gauss-Kruger zone 25..45: zone number prefixed
    const zone = epsg - 4513 + 25;
    return { centralMeridian: 3 * zone, falseEasting: zone * 1e6 + 500000, zoneWidth: 3, zone, prefixed: true };
  }
  if (epsg >= 4534 && epsg <= 4554) {
    // CGCS2000 / 3-degree Gauss-Kruger CM 75E..135E
    const zone = epsg - 4534 + 25;
    return { centralMeridian: 3 * zone, falseEasting: 500000, zoneWidth: 3, zone, prefixed: false };
  }
  return undefined;
}

/** The EPSG code of the CGCS2000 Gauss-Krüger zone with this central meridian and false easting. */
export function gaussKrugerEpsg(centralMeridian: number, falseEasting: number, zoneWidth?: 3 | 6): number | undefined {
  const cm = Math.round(centralMeridian * 1e6) / 1e6;
  if (!Number.isInteger(cm) || cm < 75 || cm > 135) return undefined;
  const prefix = Math.floor(falseEasting / 1e6);
  if (falseEasting - prefix * 1e6 !== 500000) return undefined;
  if (prefix === 0) {
    // Without a prefix the zone width is not in the numbers: CMs divisible by 3 but not of the
    // form 6n-3 can only be 3° zones; 6n-3 CMs (75, 81, ...) are both; prefer what the caller saw.
    const six = (cm + 3) % 6 === 0;
    if (zoneWidth === 6 && six) return 4502 + (cm + 3) / 6 - 13;
    if (cm % 3 === 0) return 4534 + cm / 3 - 25;
    return undefined;
  }
  if (zoneWidth !== 3 && (cm + 3) % 6 === 0 && prefix === (cm + 3) / 6 && prefix >= 13 && prefix <= 23) {
    return 4491 + prefix - 13;
  }
  if (cm % 3 === 0 && prefix === cm / 3 && prefix >= 25 && prefix <= 45) return 4513 + prefix - 25;
  return undefined;
}

const GEOGRAPHIC: Record<number, string> = {
  4326: 'WGS 84',
  4490: 'China Geodetic Coordinate System 2000',
};
const WEB_MERCATOR = new Set([3857, 900913, 102100, 102113, 3785]);

/** Describe an EPSG code we can transform, or undefined. */
export function crsInfo(epsg: number): CrsInfo | undefined {
  if (GEOGRAPHIC[epsg]) return { epsg, name: GEOGRAPHIC[epsg], projected: false };
  if (WEB_MERCATOR.has(epsg)) return { epsg: 3857, name: 'WGS 84 / Pseudo-Mercator', projected: true };
  const gk = gaussKrugerParams(epsg);
  if (gk) {
    const name =
      gk.zoneWidth === 6
        ? gk.prefixed
          ? `CGCS2000 / Gauss-Kruger zone ${gk.zone}`
          : `CGCS2000 / Gauss-Kruger CM ${gk.centralMeridian}E`
        : gk.prefixed
          ? `CGCS2000 / 3-degree Gauss-Kruger zone ${gk.zone}`
          : `CGCS2000 / 3-degree Gauss-Kruger CM ${gk.centralMeridian}E`;
    return {
      epsg,
      name,
      projected: true,
      proj4: `+proj=tmerc +lat_0=0 +lon_0=${gk.centralMeridian} +k=1 +x_0=${gk.falseEasting} +y_0=0 +ellps=GRS80 +units=m +no_defs`,
    };
  }
  if ((epsg >= 32601 && epsg <= 32660) || (epsg >= 32701 && epsg <= 32760)) {
    const south = epsg > 32700;
    const zone = epsg - (south ? 32700 : 32600);
    return {
      epsg,
      name: `WGS 84 / UTM zone ${zone}${south ? 'S' : 'N'}`,
      projected: true,
      proj4: `+proj=utm +zone=${zone}${south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`,
    };
  }
  return undefined;
}

function unknownCrs(file: string, what: string): IngestError {
  return new IngestError(
    file,
    undefined,
    `无法识别的坐标系 ${what}：支持 WGS84 (EPSG:4326)、CGCS2000 (EPSG:4490)、CGCS2000 高斯-克吕格投影带 (EPSG:4491-4554)、Web 墨卡托 (EPSG:3857) 和 WGS84 UTM；若已知坐标系，请用 --crs EPSG:xxxx 指定 / ` +
      `unknown CRS ${what}: supported are WGS84 (EPSG:4326), CGCS2000 (EPSG:4490), the CGCS2000 Gauss-Krüger zones (EPSG:4491-4554), Web Mercator (EPSG:3857) and WGS84 UTM; if you know the CRS, use --crs EPSG:xxxx`,
  );
}

/**
 * Parse a CRS given on the command line or in a GeoJSON `crs` member:
 * `EPSG:4547`, `4547`, `urn:ogc:def:crs:EPSG::4547`, `http://www.opengis.net/def/crs/EPSG/0/4547`,
 * `urn:ogc:def:crs:OGC:1.3:CRS84`, `CRS84`, `WGS84`, `CGCS2000`.
 */
export function parseCrs(spec: string | number, file = '--crs'): CrsInfo {
  if (typeof spec === 'number') {
    const info = crsInfo(spec);
    if (!info) throw unknownCrs(file, `EPSG:${spec}`);
    return info;
  }
  const s = spec.trim();
  const upper = s.toUpperCase();
  if (/^(URN:OGC:DEF:CRS:OGC:(1\.3)?:)?CRS84$/.test(upper) || upper.endsWith('/OGC/1.3/CRS84') || upper === 'WGS84' || upper === 'WGS 84') {
    return crsInfo(4326)!;
  }
  if (upper === 'CGCS2000') return crsInfo(4490)!;
  const m =
    /^(?:EPSG|ESRI)::?(\d+)$/.exec(upper) ??
    /^(\d+)$/.exec(upper) ??
    /^URN:OGC:DEF:CRS:EPSG:[\d.]*:(\d+)$/.exec(upper) ??
    /\/DEF\/CRS\/EPSG\/[^/]+\/(\d+)$/.exec(upper);
  if (m) {
    const info = crsInfo(Number(m[1]));
    if (info) return info;
  }
  if (/^\s*(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS|BASEGEOGCRS)\s*[[(]/i.test(s)) return crsFromPrj(s, file);
  throw unknownCrs(file, JSON.stringify(s));
}

// ---------------------------------------------------------------------------------------------
// WKT (.prj) recognition, WKT1 (ESRI and OGC flavours) and WKT2.

interface WktNode {
  keyword: string;
  args: (string | number | WktNode)[];
}

/** a WKT that does not parse: the reason in both languages (crsFromPrj puts it into its message) */
class WktSyntax extends Error {
  constructor(readonly zh: string, en: string) { super(en); }
}

function parseWkt(text: string): WktNode {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  function node(): WktNode {
    ws();
    const start = i;
    while (i < n && /[A-Za-z0-9_]/.test(text[i])) i++;
    const keyword = text.slice(start, i).toUpperCase();
    if (!keyword) throw new WktSyntax(`WKT：位置 ${i} 处应为关键字`, `WKT: keyword expected at ${i}`);
    ws();
    const open = text[i];
    if (open !== '[' && open !== '(') throw new WktSyntax(`WKT：${keyword} 之后应为 '['`, `WKT: '[' expected after ${keyword}`);
    const close = open === '[' ? ']' : ')';
    i++;
    const args: WktNode['args'] = [];
    for (;;) {
      ws();
      if (i >= n) throw new WktSyntax('WKT：文本意外结束', 'WKT: unexpected end');
      const c = text[i];
      if (c === close) {
        i++;
        break;
      }
      if (c === ',') {
        i++;
        continue;
      }
      if (c === '"') {
        let s = '';
        i++;
        for (;;) {
          if (i >= n) throw new WktSyntax('WKT：字符串未结束', 'WKT: unterminated string');
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              s += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          s += text[i++];
        }
        args.push(s);
      } else if (/[-+.\d]/.test(c)) {
        const start2 = i;
        while (i < n && /[-+.\deE]/.test(text[i])) i++;
        args.push(Number(text.slice(start2, i)));
      } else {
        // nested node, or a bare enum word (AXIS["x",EAST])
        const save = i;
        while (i < n && /[A-Za-z0-9_]/.test(text[i])) i++;
        const word = text.slice(save, i);
        ws();
        if (text[i] === '[' || text[i] === '(') {
          i = save;
          args.push(node());
        } else {
          args.push(word);
        }
      }
    }
    return { keyword, args };
  }
  const root = node();
  return root;
}

const children = (n: WktNode, ...kw: string[]): WktNode[] =>
  n.args.filter((a): a is WktNode => typeof a === 'object' && kw.includes(a.keyword));
const child = (n: WktNode, ...kw: string[]): WktNode | undefined => children(n, ...kw)[0];
const nameOf = (n: WktNode | undefined): string => (n && typeof n.args[0] === 'string' ? n.args[0] : '');

function authorityCode(n: WktNode): number | undefined {
  const a = child(n, 'AUTHORITY', 'ID');
  if (!a) return undefined;
  const auth = String(a.args[0]).toUpperCase();
  const code = Number(a.args[1]);
  if ((auth === 'EPSG' || auth === 'ESRI') && Number.isFinite(code)) return code;
  return undefined;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** CGCS2000, WGS84 or something else, judged from a GEOGCS / BASEGEOGCRS node. */
function geographicKind(g: WktNode | undefined): 'wgs84' | 'cgcs2000' | 'other' {
  if (!g) return 'other';
  const code = authorityCode(g);
  if (code === 4326) return 'wgs84';
  if (code === 4490) return 'cgcs2000';
  const datum = child(g, 'DATUM', 'TRF', 'GEODETICDATUM');
  const spheroid = datum ? child(datum, 'SPHEROID', 'ELLIPSOID') : undefined;
  const names = norm(nameOf(g) + ' ' + nameOf(datum));
  if (names.includes('cgcs2000') || names.includes('china2000') || names.includes('chinageodeticcoordinatesystem2000')) return 'cgcs2000';
  if (names.includes('wgs84') || names.includes('wgs1984') || names.includes('worldgeodeticsystem1984')) return 'wgs84';
  if (spheroid) {
    // Unnamed datum: judge by the ellipsoid. GRS80 and CGCS2000 are the same to 0.1 mm; a datum on
    // them with no shift is CGCS2000 in China (it could be another GRS80 datum elsewhere, but
    // those are not handled here anyway).
    const a = Number(spheroid.args[1]);
    const rf = Number(spheroid.args[2]);
    const sname = norm(nameOf(spheroid));
    if (a === 6378137 && Math.abs(rf - 298.257223563) < 1e-6 && (sname.includes('wgs') || sname === '')) return 'wgs84';
    if (a === 6378137 && Math.abs(rf - 298.257222101) < 1e-6 && (sname.includes('cgcs') || sname.includes('grs') || sname === '')) {
      return 'cgcs2000';
    }
  }
  return 'other';
}

function params(p: WktNode): Map<string, number> {
  const out = new Map<string, number>();
  for (const par of children(p, 'PARAMETER')) {
    const v = Number(par.args[1]);
    if (Number.isFinite(v)) out.set(norm(String(par.args[0])), v);
  }
  const conv = child(p, 'CONVERSION');
  if (conv) for (const [k, v] of params(conv)) out.set(k, v);
  return out;
}

/**
 * Recognise the CRS of a `.prj` file (or any WKT). Throws IngestError "unknown CRS ... use
 * --crs EPSG:xxxx" for anything not listed at the top of this module.
 */
export function crsFromPrj(wkt: string, file: string): CrsInfo {
  let root: WktNode;
  try {
    root = parseWkt(wkt.replace(/^\uFEFF/, '').trim());
  } catch (e) {
    const zh = e instanceof WktSyntax ? e.zh : (e as Error).message;
    throw new IngestError(file, undefined, `无法读取坐标系（${zh}）；请用 --crs EPSG:xxxx 指定 / cannot read the CRS (${(e as Error).message}); use --crs EPSG:xxxx`);
  }
  const kw = root.keyword;
  const name = nameOf(root);
  if (kw === 'GEOGCS' || kw === 'GEOGCRS' || kw === 'GEODCRS') {
    const code = authorityCode(root);
    if (code && GEOGRAPHIC[code]) return crsInfo(code)!;
    const k = geographicKind(root);
    if (k === 'wgs84') return crsInfo(4326)!;
    if (k === 'cgcs2000') return crsInfo(4490)!;
    throw unknownCrs(file, JSON.stringify(name));
  }
  if (kw !== 'PROJCS' && kw !== 'PROJCRS') throw unknownCrs(file, JSON.stringify(name || kw));

  const code = authorityCode(root);
  if (code !== undefined) {
    const info = crsInfo(code);
    if (info) return info;
  }
  const nname = norm(name);
  if (nname.includes('webmercator') || nname.includes('pseudomercator') || nname.includes('popularvisualisation')) {
    return crsInfo(3857)!;
  }
  const proj = child(root, 'PROJECTION') ?? child(child(root, 'CONVERSION') ?? root, 'METHOD');
  const method = norm(nameOf(proj));
  const geog = geographicKind(child(root, 'GEOGCS', 'BASEGEOGCRS', 'BASEGEODCRS'));
  const p = params(root);
  const get = (...keys: string[]): number | undefined => {
    for (const k of keys) if (p.has(k)) return p.get(k);
    return undefined;
  };
  if (method.includes('mercatorauxiliarysphere') || method.includes('popularvisualisation')) return crsInfo(3857)!;

  const isTm = method.includes('transversemercator') || method.includes('gausskruger') || method.includes('gaussian') || method === 'tmerc';
  if (isTm) {
    const cm = get('centralmeridian', 'longitudeofnaturalorigin', 'longitudeoforigin');
    const fe = get('falseeasting');
    const fn = get('falsenorthing') ?? 0;
    const k = get('scalefactor', 'scalefactoratnaturalorigin') ?? 1;
    const lat0 = get('latitudeoforigin', 'latitudeofnaturalorigin') ?? 0;
    if (cm !== undefined && fe !== undefined) {
      if (geog === 'cgcs2000' && fn === 0 && lat0 === 0 && Math.abs(k - 1) < 1e-12) {
        // Names like CGCS2000_3_Degree_GK_CM_114E / CGCS2000_GK_Zone_19 tell the zone width; only
        // the EPSG label depends on it when the numbers fit both (the transform is the same).
        const width = nname.includes('3degree') ? 3 : /gk|gausskruger/.test(nname) ? 6 : undefined;
        const epsg = gaussKrugerEpsg(cm, fe, width);
        if (epsg) return crsInfo(epsg)!;
      }
      if (geog === 'wgs84' && fn >= 0 && lat0 === 0 && Math.abs(k - 0.9996) < 1e-9 && fe === 500000) {
        const zone = (cm + 183) / 6;
        if (Number.isInteger(zone) && zone >= 1 && zone <= 60) return crsInfo((fn === 0 ? 32600 : 32700) + zone)!;
      }
    }
  }
  throw unknownCrs(file, JSON.stringify(name));
}

// ---------------------------------------------------------------------------------------------
// GCJ-02 / BD-09 (the published algorithm, as in eviltransform / coordtransform).

const GCJ_A = 6378245.0;
const GCJ_EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;

/** The rectangle every published implementation uses: no offset is applied outside it. */
export function outOfChina(lon: number, lat: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function gcjDelta(lon: number, lat: number): [number, number] {
  const x = lon - 105.0;
  const y = lat - 35.0;
  const common = ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common;
  dLat += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  dLat += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common;
  dLon += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  dLon += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - GCJ_EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180.0) / ((GCJ_A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [dLon, dLat];
}

export function wgs84ToGcj02(lon: number, lat: number): [number, number] {
  if (outOfChina(lon, lat)) return [lon, lat];
  const [dLon, dLat] = gcjDelta(lon, lat);
  return [lon + dLon, lat + dLat];
}

/**
 * GCJ-02 → WGS84 by fixed-point iteration on the forward offset; stops below 1e-9° (≈ 0.1 mm),
 * well inside the 0.01 m asked for. Converges in 2–4 steps (the offset varies slowly).
 */
export function gcj02ToWgs84(lon: number, lat: number): [number, number] {
  if (outOfChina(lon, lat)) return [lon, lat];
  let wLon = lon;
  let wLat = lat;
  for (let i = 0; i < 30; i++) {
    const [dLon, dLat] = gcjDelta(wLon, wLat);
    const eLon = wLon + dLon - lon;
    const eLat = wLat + dLat - lat;
    wLon -= eLon;
    wLat -= eLat;
    if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) break;
  }
  return [wLon, wLat];
}

export function gcj02ToBd09(lon: number, lat: number): [number, number] {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/**
 * BD-09 → GCJ-02: the published closed-form inverse, refined by iteration so that
 * gcj02ToBd09(result) reproduces the input to < 1e-10° (the closed form alone is ~1e-6° off).
 */
export function bd09ToGcj02(lon: number, lat: number): [number, number] {
  const x = lon - 0.0065;
  const y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  let gLon = z * Math.cos(theta);
  let gLat = z * Math.sin(theta);
  for (let i = 0; i < 10; i++) {
    const [bLon, bLat] = gcj02ToBd09(gLon, gLat);
    const eLon = bLon - lon;
    const eLat = bLat - lat;
    gLon -= eLon;
    gLat -= eLat;
    if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) break;
  }
  return [gLon, gLat];
}

export function wgs84ToBd09(lon: number, lat: number): [number, number] {
  const [gLon, gLat] = wgs84ToGcj02(lon, lat);
  return gcj02ToBd09(gLon, gLat);
}

export function bd09ToWgs84(lon: number, lat: number): [number, number] {
  const [gLon, gLat] = bd09ToGcj02(lon, lat);
  return gcj02ToWgs84(gLon, gLat);
}

// ---------------------------------------------------------------------------------------------
// Transforms.

const R_MERC = 6378137;
const RAD2DEG = 180 / Math.PI;

/** Thrown by a transform for a coordinate that cannot belong to its CRS; readers add the place. */
export class CoordinateRangeError extends RangeError {}

/**
 * Inverse transverse Mercator by the Krüger series to sixth order in n (Karney 2011, "Transverse
 * Mercator with an accuracy of a few nanometers"; the same method as PROJ's default tmerc and
 * proj4js' etmerc): sub-millimetre within several thousand km of the central meridian, far
 * beyond a 6° zone. Hand-written because it runs once per vertex: no allocation but the result.
 */
export function inverseTransverseMercator(p: {
  a: number;
  /** flattening */
  f: number;
  k0: number;
  /** central meridian, degrees */
  lon0: number;
  x0: number;
  y0: number;
}): Transform {
  const n = p.f / (2 - p.f);
  const n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
  const A = (p.a / (1 + n)) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
  const beta = [
    n / 2 - (2 * n2) / 3 + (37 * n3) / 96 - n4 / 360 - (81 * n5) / 512 + (96199 * n6) / 604800,
    n2 / 48 + n3 / 15 - (437 * n4) / 1440 + (46 * n5) / 105 - (1118711 * n6) / 3870720,
    (17 * n3) / 480 - (37 * n4) / 840 - (209 * n5) / 4480 + (5569 * n6) / 90720,
    (4397 * n4) / 161280 - (11 * n5) / 504 - (830251 * n6) / 7257600,
    (4583 * n5) / 161280 - (108847 * n6) / 3991680,
    (20648693 * n6) / 638668800,
  ];
  const delta = [
    2 * n - (2 * n2) / 3 - 2 * n3 + (116 * n4) / 45 + (26 * n5) / 45 - (2854 * n6) / 675,
    (7 * n2) / 3 - (8 * n3) / 5 - (227 * n4) / 45 + (2704 * n5) / 315 + (2323 * n6) / 945,
    (56 * n3) / 15 - (136 * n4) / 35 - (1262 * n5) / 105 + (73814 * n6) / 2835,
    (4279 * n4) / 630 - (332 * n5) / 35 - (399572 * n6) / 14175,
    (4174 * n5) / 315 - (144838 * n6) / 6237,
    (601676 * n6) / 22275,
  ];
  const [b1, b2, b3, b4, b5, b6] = beta;
  const dRev = [...delta].reverse();
  const scale = 1 / (p.k0 * A);
  const { x0, y0, lon0 } = p;
  return (x, y) => {
    const xi0 = (y - y0) * scale;
    const eta0 = (x - x0) * scale;
    // ξ = ξ' − Σ β_j sin(2jξ') cosh(2jη'), η = η' − Σ β_j cos(2jξ') sinh(2jη'),
    // with the multiple angles by recurrence (two trig calls and one exp instead of 24)
    const s1 = Math.sin(2 * xi0);
    const c1 = Math.cos(2 * xi0);
    const e1 = Math.exp(2 * eta0);
    const ie1 = 1 / e1;
    let sj = s1, cj = c1, ej = e1, iej = ie1;
    let xi = xi0 - b1 * sj * ((ej + iej) / 2);
    let eta = eta0 - b1 * cj * ((ej - iej) / 2);
    for (let j = 1; j < 6; j++) {
      const sn = sj * c1 + cj * s1;
      cj = cj * c1 - sj * s1;
      sj = sn;
      ej *= e1;
      iej *= ie1;
      const b = j === 1 ? b2 : j === 2 ? b3 : j === 3 ? b4 : j === 4 ? b5 : b6;
      xi -= b * sj * ((ej + iej) / 2);
      eta -= b * cj * ((ej - iej) / 2);
    }
    const ee = Math.exp(eta);
    const sinhEta = (ee - 1 / ee) / 2;
    const coshEta = (ee + 1 / ee) / 2;
    const chi = Math.asin(Math.sin(xi) / coshEta);
    const lon = lon0 + Math.atan2(sinhEta, Math.cos(xi)) * RAD2DEG;
    // φ = χ + Σ δ_j sin(2jχ), by Clenshaw summation
    const c2 = 2 * Math.cos(2 * chi);
    let u0 = 0, u1 = 0;
    for (const d of dRev) {
      const t = c2 * u0 - u1 + d;
      u1 = u0;
      u0 = t;
    }
    const lat = chi + u0 * Math.sin(2 * chi);
    return [lon, lat * RAD2DEG];
  };
}

const GRS80 = { a: 6378137, f: 1 / 298.257222101 };
const WGS84 = { a: 6378137, f: 1 / 298.257223563 };

function projectedTransform(info: CrsInfo): Transform {
  const label = `${info.name} (EPSG:${info.epsg})`;
  // Degrees given for metres (a wrong --crs or .prj): no city lies within 180 m of a projection's origin
  const notDegrees = (x: number, y: number) => {
    if (Math.abs(x) <= 180 && Math.abs(y) <= 90) {
      throw new CoordinateRangeError(`坐标 (${x}, ${y}) 看起来是以度为单位的经纬度，而不是 ${label} 的米制坐标；若数据是经纬度，请用 --crs EPSG:4326（CGCS2000 用 EPSG:4490）或修正 .prj 文件 / `
        + `coordinate (${x}, ${y}) looks like a longitude/latitude in degrees, not metres of ${label}; `
        + 'if the data are longitude/latitude, give --crs EPSG:4326 (or EPSG:4490 for CGCS2000) or fix the .prj');
    }
  };
  if (info.epsg === 3857) {
    return (x, y) => { notDegrees(x, y); return [(x / R_MERC) * RAD2DEG, (2 * Math.atan(Math.exp(y / R_MERC)) - Math.PI / 2) * RAD2DEG]; };
  }
  const gk = gaussKrugerParams(info.epsg);
  let x0: number;
  let inv: Transform;
  if (gk) {
    // Output on the GRS80 ellipsoid itself: a pure inverse projection, CGCS2000 lon/lat = WGS84.
    x0 = gk.falseEasting;
    inv = inverseTransverseMercator({ ...GRS80, k0: 1, lon0: gk.centralMeridian, x0, y0: 0 });
  } else {
    const south = info.epsg > 32700;
    const zone = info.epsg - (south ? 32700 : 32600);
    x0 = 500000;
    inv = inverseTransverseMercator({ ...WGS84, k0: 0.9996, lon0: zone * 6 - 183, x0, y0: south ? 10000000 : 0 });
  }
  return (x, y) => {
    notDegrees(x, y);
    // A zone is a few hundred km wide; an easting more than 1000 km from the false easting
    // means the wrong zone or a missing/extra zone prefix.
    if (!(Math.abs(x - x0) < 1e6) || !(Math.abs(y) < 1e7 || (x0 === 500000 && !gk && Math.abs(y) < 2e7))) {
      const hint =
        gk && !gk.prefixed && x > 1e7
          ? { zh: '；东坐标带有投影带号前缀，请用带号（"zone"）的 EPSG 代码（EPSG:4491-4501 或 4513-4533）', en: '; the easting has a zone prefix, use the "zone" EPSG code (EPSG:4491-4501 or 4513-4533)' }
          : gk && gk.prefixed && x < 1e6
            ? { zh: '；东坐标没有投影带号前缀，请用中央经线（"CM"）的 EPSG 代码（EPSG:4502-4512 或 4534-4554）', en: '; the easting has no zone prefix, use the "CM" EPSG code (EPSG:4502-4512 or 4534-4554)' }
            : { zh: '', en: '' };
      throw new CoordinateRangeError(`坐标 (${x}, ${y}) 超出 ${label} 的范围${hint.zh} / coordinate (${x}, ${y}) is outside ${label}${hint.en}`);
    }
    return inv(x, y);
  };
}

/**
 * A fast `(x, y) => [lon, lat]` from `spec` (an EPSG code, a string accepted by `parseCrs`, or a
 * `CrsInfo`) to WGS84, followed by the GCJ-02 / BD-09 de-offset when `coords` says the source
 * lon/lat carry one (only meaningful for geographic sources).
 * Geographic sources are range-checked: |lon| ≤ 180, |lat| ≤ 90, else CoordinateRangeError.
 */
export function makeTransform(spec: string | number | CrsInfo = 4326, coords: CoordOffset = 'wgs84'): Transform {
  const info = typeof spec === 'object' ? spec : parseCrs(spec);
  let base: Transform;
  if (!info.projected) {
    // EPSG:4326 and EPSG:4490 (CGCS2000 = WGS84 to < 1 m, see the top of this module): identity.
    base = (x, y) => {
      if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
        throw new CoordinateRangeError(
          `坐标 (${x}, ${y}) 不是以度为单位的经纬度；若数据是投影坐标，请用 --crs EPSG:xxxx 指定 / ` +
            `coordinate (${x}, ${y}) is not a longitude/latitude in degrees; if the data are projected, use --crs EPSG:xxxx`,
        );
      }
      return [x, y];
    };
  } else {
    base = projectedTransform(info);
  }
  if (coords === 'wgs84') return base;
  if (info.projected) throw new Error(`--coords ${coords} 只适用于经纬度数据，不适用于 ${info.name} / --coords ${coords} applies to longitude/latitude data, not to ${info.name}`);
  const undo = coords === 'gcj02' ? gcj02ToWgs84 : bd09ToWgs84;
  return (x, y) => {
    const [lon, lat] = base(x, y);
    return undo(lon, lat);
  };
}

/** True when `makeTransform(spec, coords)` would return its input unchanged (skip the work). */
export function isIdentity(spec: string | number | CrsInfo = 4326, coords: CoordOffset = 'wgs84'): boolean {
  const info = typeof spec === 'object' ? spec : parseCrs(spec);
  return !info.projected && coords === 'wgs84';
}
