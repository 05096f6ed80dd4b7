/**
 * Residential blocks: 小区 compounds with their neighbourhood facilities, urban villages.
 */
import { isResidentialBuilding } from '../model/residential.js';
import { Rng } from './prng.js';
import { COMPOUND_SUFFIX_NEW, COMPOUND_SUFFIX_OLD, CONVENIENCE_NAMES, PHARMACY_NAMES, SUPERMARKET_NAMES } from './names.js';
import { SALT_ERA, type Tags } from './plan.js';
import { type Rect, footprint, jitter, layoutGrid, rarea, rh, rw, shrink } from './geometry.js';
import { centreDistance, valueNoise } from './fields.js';
import { type Arms, type BlockEnv, arms, bare, buildingTags, closedPoly, closedRect, groundFloor, p01, poi } from './block.js';

function kindergartenName(e: BlockEnv, compound?: string): string {
  const r = e.rng.next();
  if (compound && r < 0.4) return compound + '幼儿园';
  if (r < 0.7) return bare(e.community) + '幼儿园';
  return e.p.words.word(e.rng.int(0, 400)) + '幼儿园';
}

/** POI (node) facilities a residential area may have, each with its own probability. */
function compoundPois(e: BlockEnv, spots: Rect[], compound: string): void {
  const rng = e.rng;
  const at = () => (spots.length ? groundFloor(e, rng.pick(spots)) : ([e.gx + 5, e.gy + 5] as [number, number]));
  const corridor = (): [number, number] => [e.gx + rng.pick([-1, 1]) * rng.range(3, 7), e.gy + rng.range(-30, 30)];
  if (rng.chance(p01(e, 0.14))) poi(e, ...at(), ['amenity', 'kindergarten', 'name', kindergartenName(e, compound)]);
  if (rng.chance(p01(e, 0.12)))
    poi(e, ...at(), rng.chance(0.7) ? ['amenity', 'childcare', 'name', e.p.words.word(rng.int(0, 600)) + '托育中心'] : ['amenity', 'childcare', 'name', bare(compound) + '托儿所']);
  if (rng.chance(p01(e, 0.2))) {
    const r = rng.next();
    poi(
      e,
      ...at(),
      r < 0.5
        ? ['amenity', 'clinic', 'healthcare', 'clinic', 'name', e.community + '卫生服务站']
        : r < 0.8
          ? ['amenity', 'doctors', 'healthcare', 'doctor', 'name', e.p.words.word(rng.int(0, 600)) + '诊所']
          : ['healthcare', 'clinic', 'name', bare(e.community) + '社区卫生服务站'],
    );
  }
  if (rng.chance(p01(e, 0.3))) {
    const r = rng.next();
    poi(e, ...at(), r < 0.7 ? ['amenity', 'pharmacy', 'healthcare', 'pharmacy', 'name', rng.pick(PHARMACY_NAMES)] : r < 0.85 ? ['shop', 'chemist', 'name', rng.pick(PHARMACY_NAMES)] : ['healthcare', 'pharmacy', 'name', rng.pick(PHARMACY_NAMES)]);
  }
  if (rng.chance(p01(e, 0.14))) {
    const r = rng.next();
    poi(
      e,
      ...at(),
      r < 0.4
        ? ['amenity', 'social_facility', 'social_facility', 'outreach', 'social_facility:for', 'senior', 'name', e.community + '养老服务站']
        : r < 0.6
          ? ['amenity', 'social_facility', 'social_facility', 'nursing_home', 'name', e.p.words.word(rng.int(0, 600)) + '颐养院']
          : r < 0.8
            ? ['name', bare(e.community) + '老年日间照料中心'] // name only
            : ['amenity', 'nursing_home', 'name', e.p.words.word(rng.int(0, 600)) + '敬老院'],
    );
  }
  if (rng.chance(p01(e, 0.22))) {
    const r = rng.next();
    poi(
      e,
      ...at(),
      r < 0.35
        ? ['amenity', 'community_centre', 'name', e.community + '党群服务中心']
        : r < 0.6
          ? ['office', 'government', 'government', 'community', 'name', e.community + '居民委员会']
          : r < 0.85
            ? ['office', 'yes', 'name', e.community + '居委会'] // name only
            : ['name', e.community + '服务站'], // only "社区服务" in the name
    );
  }
  if (rng.chance(p01(e, 0.55))) poi(e, ...at(), ['shop', 'convenience', 'name', rng.pick(CONVENIENCE_NAMES)]);
  if (rng.chance(p01(e, 0.12))) poi(e, ...at(), ['shop', 'supermarket', 'name', rng.pick(SUPERMARKET_NAMES)]);
  if (rng.chance(p01(e, 0.1))) {
    const r = rng.next();
    poi(e, ...at(), r < 0.4 ? ['amenity', 'marketplace', 'name', e.p.words.word(rng.int(0, 600)) + '菜市场'] : r < 0.7 ? ['shop', rng.pick(['greengrocer', 'butcher', 'seafood']), 'name', e.p.words.word(rng.int(0, 600)) + '生鲜'] : ['shop', 'yes', 'name', e.p.words.word(rng.int(0, 600)) + '农贸市场']);
  }
  if (rng.chance(p01(e, 0.45))) {
    const r = rng.next();
    poi(e, ...at(), r < 0.45 ? ['amenity', 'parcel_locker', 'name', '丰巢快递柜', 'operator', '丰巢'] : r < 0.85 ? ['shop', 'outpost', 'name', '菜鸟驿站'] : ['amenity', 'post_office', 'name', bare(e.community) + '邮政所']);
  }
  if (rng.chance(p01(e, 0.35))) poi(e, ...corridor(), ['leisure', 'fitness_station', 'name', '健身路径']);
  if (rng.chance(p01(e, 0.25))) poi(e, ...corridor(), ['leisure', 'playground']);
  if (rng.chance(p01(e, 0.05))) poi(e, ...corridor(), ['amenity', 'toilets', 'name', '公共厕所']);
  if (rng.chance(p01(e, 0.5))) poi(e, ...corridor(), rng.chance(0.6) ? ['amenity', 'waste_disposal', 'name', '垃圾分类投放点'] : ['amenity', 'recycling', 'recycling_type', 'container']);
  if (rng.chance(p01(e, 0.18))) poi(e, ...corridor(), ['amenity', 'charging_station', 'name', rng.pick(['特来电', '星星充电', '国家电网']) + '充电站', 'motorcar', 'yes']);
  if (rng.chance(0.004)) poi(e, ...corridor(), ['amenity', 'fire_station', 'name', bare(e.street) + '小型消防站']);
  // noise that belongs to no category
  if (rng.chance(0.4)) poi(e, ...at(), ['amenity', 'restaurant', 'name', e.p.words.word(rng.int(0, 600)) + '餐馆']);
  if (rng.chance(0.2)) poi(e, ...at(), ['shop', 'hairdresser', 'name', e.p.words.word(rng.int(0, 600)) + '理发']);
}

// ---- block kinds

type Variant = 'old' | 'mid' | 'new' | 'villa';

function compoundVariant(e: BlockEnv): Variant {
  const d = centreDistance(e.p, e.bx, e.by);
  const n = valueNoise(e.p.seed, SALT_ERA, e.bx, e.by, 4);
  const oldness = 0.65 * (1 - d) + 0.5 * n - 0.2;
  const r = e.rng.next();
  if (d > 0.55 && r < 0.08) return 'villa';
  if (r < oldness) return 'old';
  if (r < oldness + 0.3) return 'mid';
  return 'new';
}

interface ResSpec {
  w: number;
  d: number;
  gapX: number;
  gapY: number;
  levels: () => number;
  year: () => number;
  values: string[];
  valueWeights: number[];
  notch: number;
}

function resSpec(rng: Rng, v: Variant): ResSpec {
  switch (v) {
    case 'old':
      return {
        w: rng.range(36, 60),
        d: rng.range(10, 12.5),
        gapX: rng.range(8, 14),
        gapY: rng.range(15, 21),
        levels: () => rng.weighted([4, 5, 6, 7, 8], [1, 3, 5, 3, 1]),
        year: () => rng.int(1960, 1999),
        values: ['yes', 'residential', 'apartments'],
        valueWeights: [78, 12, 10],
        notch: 0.12,
      };
    case 'mid':
      return {
        w: rng.range(40, 62),
        d: rng.range(12, 15),
        gapX: rng.range(10, 16),
        gapY: rng.range(24, 34),
        levels: () => rng.int(7, 18),
        year: () => rng.int(1995, 2012),
        values: ['yes', 'residential', 'apartments'],
        valueWeights: [70, 15, 15],
        notch: 0.15,
      };
    case 'new': {
      const s = rng.range(21, 28);
      return {
        w: s,
        d: s * rng.range(0.75, 1),
        gapX: rng.range(20, 30),
        gapY: rng.range(26, 38),
        levels: () => (rng.chance(0.04) ? rng.int(35, 40) : rng.chance(0.25) ? rng.int(28, 34) : rng.int(16, 27)),
        year: () => rng.int(2005, 2024),
        values: ['yes', 'apartments', 'residential'],
        valueWeights: [65, 20, 15],
        notch: 0.2,
      };
    }
    case 'villa':
      return {
        w: rng.range(11, 15),
        d: rng.range(10, 13),
        gapX: rng.range(6, 9),
        gapY: rng.range(8, 12),
        levels: () => rng.int(2, 3),
        year: () => rng.int(1995, 2020),
        values: ['house', 'detached', 'semidetached_house', 'yes'],
        valueWeights: [40, 30, 10, 20],
        notch: 0.1,
      };
  }
}

const COMPOUND_WORDS = (e: BlockEnv, v: Variant): string => {
  const w = e.p.words.word(e.rng.int(0, e.p.words.size - 1));
  return w + e.rng.pick(v === 'old' ? COMPOUND_SUFFIX_OLD : COMPOUND_SUFFIX_NEW);
};

export function genCompound(e: BlockEnv): void {
  const { rng, sink } = e;
  const variant = compoundVariant(e);
  const spec = resSpec(rng, variant);
  const name = COMPOUND_WORDS(e, variant);
  const hasLanduse = rng.chance(0.9);
  const holeQuad = hasLanduse && rng.chance(0.18) ? rng.int(0, 3) : -1;
  const year = spec.year();

  // landuse polygon (or multipolygon with a hole for a kindergarten / park plot)
  let holeRect: Rect | undefined;
  if (holeQuad >= 0) holeRect = shrink(e.quads[holeQuad], -2);
  const luTags: Tags = ['landuse', 'residential', 'name', name];
  if (rng.chance(0.3)) luTags.push('residential', 'urban');
  if (holeRect) {
    const outer = closedRect(e, e.plot, undefined);
    const holeKind = rng.chance(p01(e, 0.6)) ? 'kindergarten' : rng.chance(p01(e, 0.8)) && rarea(holeRect) >= 2000 ? 'park' : 'retail';
    const holeIsPark = holeKind === 'park';
    const innerTags: Tags =
      holeKind === 'park'
        ? ['leisure', 'park', 'name', name + '游园']
        : holeKind === 'kindergarten'
          ? ['amenity', 'kindergarten', 'name', kindergartenName(e, name)]
          : ['landuse', 'retail', 'name', name + '商业街'];
    const inner = closedRect(e, holeRect, innerTags);
    sink.relation(
      [
        { type: 'way', ref: outer, role: 'outer' },
        { type: 'way', ref: inner, role: 'inner' },
      ],
      ['type', 'multipolygon', ...luTags],
      { area: rarea(e.plot) - rarea(holeRect) },
    );
    if (!holeIsPark) {
      const ki = shrink(holeRect, Math.min(10, rw(holeRect) / 4));
      const kw = Math.min(rw(ki), rng.range(30, 45));
      const kh = Math.min(rh(ki), rng.range(20, 30));
      const b = jitter(rng, { x0: ki.x1 - kw, y0: ki.y1 - kh, x1: ki.x1, y1: ki.y1 }, 0.85);
      closedPoly(e, footprint(rng, b, 0.3), holeKind === 'kindergarten' ? ['building', 'kindergarten', 'building:levels', String(rng.int(2, 3))] : ['building', 'retail', 'building:levels', '2']);
      if (holeKind === 'kindergarten') {
        const pg = { x0: holeRect.x0 + 2, y0: holeRect.y0 + 2, x1: b.x0 - 1, y1: holeRect.y0 + 2 + Math.min(20, rh(holeRect) / 3) };
        if (rw(pg) > 6) closedRect(e, pg, ['leisure', 'playground']);
      }
    }
  } else if (hasLanduse) {
    closedRect(e, e.plot, luTags);
  }

  // street-front shops along the south edge
  const shopStrip = rng.chance(0.35);
  // a small public park (游园) of 2,000–5,000 m² along the north side of one northern quadrant
  const parkQuad = rng.chance(p01(e, 0.07)) ? rng.int(2, 3) : -1;
  const residentialSlots: { r: Rect; q: number }[] = [];
  const spots: Rect[] = [];
  for (let q = 0; q < 4; q++) {
    if (q === holeQuad) continue;
    let qr = e.quads[q];
    if (q === parkQuad && rw(qr) > 40 && rh(qr) > 50) {
      const h = Math.min(rh(qr) - 20, rng.range(2100, 4900) / rw(qr));
      if (h * rw(qr) >= 2000) {
        closedRect(e, { x0: qr.x0, y0: qr.y1 - h, x1: qr.x1, y1: qr.y1 }, ['leisure', 'park', 'name', name + '游园']);
        qr = { ...qr, y1: qr.y1 - h - 10 };
      }
    }
    if (shopStrip && q < 2 && rh(qr) > 40) {
      const strip: Rect = { x0: qr.x0, y0: qr.y0, x1: qr.x1, y1: qr.y0 + 12 };
      for (const s of layoutGrid(strip, rng.range(18, 30), 12, 3, 0)) {
        const fp = jitter(rng, s, 0.92);
        closedRect(e, fp, buildingTags(rng, rng.chance(0.7) ? 'retail' : 'commercial', rng.int(1, 2), year, 0.5, 0.1, 0.1));
        spots.push(fp);
      }
      qr = { ...qr, y0: qr.y0 + 20 };
    }
    for (const s of layoutGrid(qr, spec.w, spec.d, spec.gapX, spec.gapY)) residentialSlots.push({ r: s, q });
  }

  // a few slots get other uses
  const special = (): Rect | undefined => {
    if (residentialSlots.length < 4) return undefined;
    const k = rng.int(0, residentialSlots.length - 1);
    return residentialSlots.splice(k, 1)[0].r;
  };
  if (holeQuad < 0 && rng.chance(p01(e, 0.18))) {
    const r = special();
    if (r) {
      const fp = jitter(rng, r, 0.8);
      closedPoly(e, footprint(rng, fp, 0.2), ['building', 'kindergarten', 'amenity', 'kindergarten', 'name', kindergartenName(e, name), 'building:levels', String(rng.int(2, 3))]);
    }
  }
  if (rng.chance(p01(e, 0.08))) {
    const r = special();
    if (r) closedRect(e, jitter(rng, r, 0.7), ['building', 'civic', 'amenity', 'community_centre', 'name', e.community + '党群服务中心']);
  }
  if (rng.chance(p01(e, 0.12))) {
    // pocket park: a whole slot area
    const r = special();
    if (r) {
      const pr = shrink(r, -3);
      closedRect(e, pr, ['leisure', rng.chance(0.75) ? 'garden' : 'park', 'name', name + '中心花园', ...(rng.chance(0.3) ? ['access', 'private'] : [])]);
    }
  }
  if (rng.chance(p01(e, 0.1))) {
    const r = special();
    if (r) closedRect(e, jitter(rng, r, 0.9), ['leisure', 'pitch', 'sport', 'basketball']);
  }

  for (const { r } of residentialSlots) {
    const fp = jitter(rng, r);
    const value = rng.weighted(spec.values, spec.valueWeights);
    const levels = spec.levels();
    const tags = buildingTags(rng, value, levels, variant === 'old' ? Math.max(1960, year + rng.int(-2, 2)) : year);
    closedPoly(e, footprint(rng, fp, spec.notch), tags, { residential: isResidentialBuilding(value, hasLanduse) });
    spots.push(fp);
  }
  // gate house by the south gate and a garage row
  if (rng.chance(0.6)) {
    const g: Rect = { x0: e.gx + 4, y0: e.plot.y0 + 1, x1: e.gx + 8, y1: e.plot.y0 + 6.5 };
    closedRect(e, g, ['building', 'yes', 'building:levels', '1', 'name', '门卫室'], { residential: isResidentialBuilding('yes', hasLanduse) });
  }
  if (rng.chance(0.25)) {
    const q = e.quads[rng.int(0, 1)];
    const g: Rect = { x0: q.x0, y0: e.plot.y0 + 0.5, x1: Math.min(q.x1, q.x0 + 24), y1: e.plot.y0 + 5 };
    if (rw(g) > 8 && holeQuad !== 0 && holeQuad !== 1) closedRect(e, g, ['building', 'garages']);
  }

  // internal roads
  const style = rng.weighted(['open', 'private', 'mixed'], [45, 30, 25]);
  const which = { S: true, N: rng.chance(0.8), W: rng.chance(0.55), E: rng.chance(0.55) };
  const nsTags: Tags = style === 'open' ? (rng.chance(0.7) ? ['highway', 'service'] : ['highway', 'living_street']) : ['highway', 'service', 'access', 'private'];
  const ewTags: Tags = style === 'private' ? ['highway', 'service', 'access', 'private'] : ['highway', 'footway'];
  const extra: Arms = { nsExtra: [], ewExtra: [] };
  // footways along the row gaps, hanging off the N-S arm
  const footways: { from: number; to: number }[] = [];
  if (rng.chance(0.5) && style === 'open') {
    const ys = new Set<number>();
    for (const { r, q } of residentialSlots) if (q === 0 || q === 2) ys.add(Math.round(r.y1 + spec.gapY / 2));
    for (const y of ys) {
      if (y < e.plot.y0 + 8 || y > e.plot.y1 - 8 || Math.abs(y - e.gy) < 12) continue;
      const on = sink.node(e.gx, y);
      extra.nsExtra.push({ y, id: on });
      footways.push({ from: on, to: sink.node(e.quads[0].x0 + 2, y) });
    }
  }
  arms(e, which, nsTags, ewTags, extra);
  for (const f of footways) sink.way([f.from, f.to], ['highway', 'footway']);

  compoundPois(e, spots, name);
}

export function genVillage(e: BlockEnv): void {
  const { rng } = e;
  const name = e.p.words.word(rng.int(0, e.p.words.size - 1)) + '村';
  const hasLanduse = rng.chance(0.5);
  if (hasLanduse) closedRect(e, e.plot, ['landuse', 'residential', 'name', name, 'residential', 'rural']);
  const w = rng.range(9, 13);
  const d = rng.range(9, 12);
  const spots: Rect[] = [];
  for (let q = 0; q < 4; q++) {
    for (const s of layoutGrid(e.quads[q], w, d, rng.range(2.5, 4), rng.range(3, 5))) {
      const fp = jitter(rng, s, 0.9);
      const value = rng.chance(0.93) ? 'yes' : 'house';
      closedRect(e, fp, buildingTags(rng, value, rng.int(3, 7), rng.int(1985, 2010), 0.4, 0.05, 0.05), { residential: isResidentialBuilding(value, hasLanduse) });
      spots.push(fp);
    }
  }
  arms(e, { S: true, N: true, W: rng.chance(0.7), E: rng.chance(0.7) }, ['highway', 'residential', 'name', name + '大街'], ['highway', rng.pick(['footway', 'path'])], { nsExtra: [], ewExtra: [] });
  if (rng.chance(0.3)) poi(e, e.gx + 5, e.gy + 5, ['shop', 'convenience', 'name', name + '小卖部']);
  if (rng.chance(0.2)) poi(e, e.gx - 5, e.gy - 6, ['amenity', 'toilets', 'name', '公共厕所']);
  if (rng.chance(0.15)) poi(e, ...groundFloor(e, rng.pick(spots.length ? spots : [e.plot])), ['amenity', 'clinic', 'name', name + '卫生室']);
}
