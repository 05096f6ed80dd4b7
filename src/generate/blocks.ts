/**
 * Everything inside one block: the block kinds without facilities of their own
 * (commercial, park, industrial, construction) and the dispatch by kind.
 */
import { CONVENIENCE_NAMES, PHARMACY_NAMES, SUPERMARKET_NAMES } from './names.js';
import type { BlockKind, CityPlan, CitySink } from './plan.js';
import { type Rect, cx, cy, ellipse, footprint, jitter, layoutGrid, rarea, rh, rw, shrink } from './geometry.js';
import { blockKind } from './fields.js';
import { GridIds } from './streets.js';
import { type Arms, type BlockEnv, arms, buildingTags, closedPoly, closedRect, groundFloor, makeEnv, p01, poi } from './block.js';
import { genCompound, genVillage } from './compounds.js';
import { genCivic, genHospital, genPublic, genSchool } from './facilities.js';

function genCommercial(e: BlockEnv): void {
  const { rng } = e;
  const base = e.p.words.word(rng.int(0, e.p.words.size - 1));
  closedRect(e, e.plot, ['landuse', rng.chance(0.6) ? 'commercial' : 'retail', 'name', base + '商圈']);
  const spots: Rect[] = [];
  for (let q = 0; q < 4; q++) {
    const qr = e.quads[q];
    const use = rng.weighted(['office', 'mall', 'hotel', 'parking'], [50, 25, 15, 10]);
    if (use === 'mall' && rarea(qr) > 2500) {
      const fp = shrink(qr, 4);
      const ds = rng.chance(0.5);
      closedRect(e, fp, ['building', 'retail', 'building:levels', String(rng.int(3, 6)), ...(ds ? ['shop', 'department_store', 'name', base + '百货'] : ['shop', 'mall', 'name', base + '广场'])]);
      spots.push(fp);
      if (rng.chance(0.5)) poi(e, cx(fp), cy(fp), ['shop', 'supermarket', 'name', rng.pick(SUPERMARKET_NAMES)]);
    } else if (use === 'parking' && rarea(qr) > 600) {
      closedRect(e, shrink(qr, 3), ['amenity', 'parking', 'parking', 'surface']);
      if (rng.chance(0.4)) poi(e, cx(qr), cy(qr), ['amenity', 'charging_station', 'name', base + '充电站', 'capacity', String(rng.int(4, 20))]);
    } else {
      const s = rng.range(28, 42);
      for (const slot of layoutGrid(qr, s, s * rng.range(0.7, 1), 16, 16)) {
        const fp = jitter(rng, slot, 0.85);
        const hotel = use === 'hotel';
        const levels = hotel ? rng.int(10, 25) : rng.chance(0.15) ? rng.int(40, 62) : rng.int(12, 38);
        const tags = buildingTags(rng, hotel ? 'hotel' : rng.pick(['office', 'commercial', 'yes']), levels, rng.int(1995, 2024), 0.8, 0.5, 0.3);
        if (hotel) tags.push('tourism', 'hotel', 'name', base + rng.pick(['酒店', '宾馆', '大酒店']));
        else if (rng.chance(0.4)) tags.push('name', base + rng.pick(['大厦', '中心', '国际', '金融中心']));
        closedPoly(e, footprint(rng, fp, 0.25), tags);
        spots.push(fp);
      }
    }
  }
  const at = () => (spots.length ? groundFloor(e, rng.pick(spots)) : ([e.gx + 4, e.gy + 4] as [number, number]));
  for (let k = rng.int(2, 5); k > 0; k--) poi(e, ...at(), ['amenity', rng.pick(['restaurant', 'fast_food', 'cafe']), 'name', e.p.words.word(rng.int(0, 600)) + rng.pick(['餐厅', '小吃', '咖啡'])]);
  if (rng.chance(0.7)) poi(e, ...at(), ['amenity', 'bank', 'name', rng.pick(['中国银行', '工商银行', '建设银行', '农业银行', '招商银行'])]);
  if (rng.chance(p01(e, 0.45))) poi(e, ...at(), ['amenity', 'pharmacy', 'name', rng.pick(PHARMACY_NAMES)]);
  if (rng.chance(p01(e, 0.5))) poi(e, ...at(), ['shop', 'convenience', 'name', rng.pick(CONVENIENCE_NAMES)]);
  if (rng.chance(p01(e, 0.2))) poi(e, ...at(), ['amenity', 'post_office', 'name', base + '邮政支局']);
  if (rng.chance(p01(e, 0.2))) poi(e, ...at(), ['office', 'courier', 'name', rng.pick(['顺丰速运', '京东快递', '中通快递'])]);
  if (rng.chance(p01(e, 0.2))) poi(e, ...at(), ['amenity', 'doctors', 'name', base + '门诊部']);
  if (rng.chance(0.3)) poi(e, ...at(), ['leisure', 'fitness_centre', 'name', base + '健身']);
  if (rng.chance(0.2)) poi(e, ...at(), ['amenity', rng.pick(['cinema', 'theatre']), 'name', base + rng.pick(['影城', '剧场'])]);
  if (rng.chance(0.25)) poi(e, e.gx + 5, e.gy - 5, ['amenity', 'toilets', 'name', '公共厕所']);
  const ped = rng.chance(0.6);
  arms(e, { S: true, N: true, W: true, E: true }, ped ? ['highway', 'pedestrian', 'name', base + '步行街'] : ['highway', 'service'], ['highway', ped ? 'pedestrian' : 'footway'], { nsExtra: [], ewExtra: [] });
  if (rng.chance(0.3)) {
    const r: Rect = { x0: e.gx + 2, y0: e.gy + 2, x1: e.gx + 8, y1: e.gy + 8 };
    closedRect(e, r, ['highway', 'pedestrian', 'area', 'yes', 'name', base + '广场']);
  }
}

function genPark(e: BlockEnv): void {
  const { rng, sink } = e;
  const name = e.p.words.word(rng.int(0, e.p.words.size - 1)) + rng.pick(['公园', '公园', '森林公园', '湖公园']);
  const recreation = rng.chance(0.08);
  closedRect(e, e.plot, recreation ? ['landuse', 'recreation_ground', 'name', name] : ['leisure', 'park', 'name', name]);
  const lakeQ = rng.int(0, 3);
  const lq = e.quads[lakeQ];
  if (rng.chance(0.55) && rw(lq) > 40 && rh(lq) > 40) {
    closedPoly(e, ellipse(cx(lq), cy(lq), rw(lq) * 0.42, rh(lq) * 0.42, 16, rng), ['natural', 'water', 'water', 'lake', 'name', name.replace(/公园$/, '') + '湖']);
  }
  // paths: the "+" of footways from the four gates, steps to one side, an unconnected loop sometimes
  const extra: Arms = { nsExtra: [], ewExtra: [] };
  const stepsFrom = sink.node(e.gx, e.gy + (e.plot.y1 - e.gy) * 0.5);
  extra.nsExtra.push({ y: e.gy + (e.plot.y1 - e.gy) * 0.5, id: stepsFrom });
  const centre = arms(e, { S: true, N: true, W: true, E: rng.chance(0.8) }, ['highway', 'footway'], ['highway', rng.pick(['footway', 'path'])], extra);
  const stepsTo = sink.node(e.gx + 7, e.gy + (e.plot.y1 - e.gy) * 0.5 + 3);
  sink.way([stepsFrom, stepsTo], ['highway', 'steps']);
  const loopQ = (lakeQ + 2) % 4;
  const q = shrink(e.quads[loopQ], 6);
  if (rw(q) > 20 && rh(q) > 20) {
    const connected = rng.chance(0.75);
    const pts = ellipse(cx(q), cy(q), rw(q) / 2, rh(q) / 2, 10, rng);
    const ids: number[] = [];
    for (let k = 0; k < pts.length; k += 2) ids.push(sink.node(pts[k], pts[k + 1]));
    ids.push(ids[0]);
    sink.way(ids, ['highway', 'footway', 'name', '环湖步道']);
    if (connected) {
      // spur from the loop to the centre of the "+"
      sink.way([ids[0], centre], ['highway', 'path']);
    }
  }
  if (rng.chance(0.3)) {
    const r = shrink(e.plot, 3);
    const a = sink.node(r.x0, r.y0);
    const b = sink.node(r.x1, r.y0);
    const c = sink.node(r.x1, r.y1);
    const d = sink.node(r.x0, r.y1);
    sink.way([a, b, c, d, a], ['highway', 'cycleway', 'name', '绿道']);
  }
  const spot = e.quads[(lakeQ + 1) % 4];
  if (rng.chance(0.7)) poi(e, e.gx + 5, e.gy + 5, ['amenity', 'toilets', 'name', '公园厕所']);
  if (rng.chance(0.6) && rw(spot) > 30 && rh(spot) > 30) closedRect(e, { x0: spot.x0 + 4, y0: spot.y0 + 4, x1: spot.x0 + 24, y1: spot.y0 + 20 }, ['leisure', 'playground', 'name', '儿童乐园']);
  if (rng.chance(0.6)) poi(e, e.gx - 5, e.gy + 12, ['leisure', 'fitness_station']);
  if (rng.chance(0.4) && rw(spot) > 50 && rh(spot) > 45) closedRect(e, { x0: spot.x1 - 32, y0: spot.y1 - 19, x1: spot.x1 - 4, y1: spot.y1 - 4 }, ['leisure', 'pitch', 'sport', 'basketball']);
  if (rng.chance(0.5)) closedRect(e, { x0: e.gx - 8, y0: e.plot.y0 + 1, x1: e.gx - 3, y1: e.plot.y0 + 8 }, ['building', 'yes', 'name', '公园管理处', 'building:levels', '1']);
}

function genIndustrial(e: BlockEnv): void {
  const { rng } = e;
  const name = e.p.words.word(rng.int(0, e.p.words.size - 1));
  closedRect(e, e.plot, ['landuse', 'industrial', 'name', name + rng.pick(['工业园', '产业园', '物流园'])]);
  for (let q = 0; q < 4; q++) {
    for (const s of layoutGrid(e.quads[q], rng.range(45, 80), rng.range(22, 40), 12, 14)) {
      closedRect(e, jitter(rng, s, 0.8), buildingTags(rng, rng.pick(['industrial', 'warehouse', 'yes']), rng.int(1, 4), rng.int(1970, 2020), 0.5, 0.2, 0.1));
    }
  }
  arms(e, { S: true, N: rng.chance(0.5), W: false, E: rng.chance(0.3) }, ['highway', 'service'], ['highway', 'service', 'access', 'private'], { nsExtra: [], ewExtra: [] });
  if (rng.chance(0.2)) poi(e, e.gx + 5, e.gy + 5, ['amenity', 'waste_transfer_station', 'name', name + '垃圾转运站']);
}

function genConstruction(e: BlockEnv): void {
  const { rng } = e;
  closedRect(e, e.plot, ['landuse', 'construction', 'construction', 'residential', 'name', e.p.words.word(rng.int(0, 600)) + '项目工地']);
  arms(e, { S: true, N: false, W: false, E: false }, ['highway', 'construction', 'construction', 'service'], null, { nsExtra: [], ewExtra: [] });
}

/** Everything inside block (bx, by). Run identically in both passes. */
export function emitBlock(p: CityPlan, bx: number, by: number, sink: CitySink, ids: GridIds): BlockKind {
  const e = makeEnv(p, bx, by, sink, ids);
  const kind = blockKind(p, bx, by);
  switch (kind) {
    case 'compound':
      genCompound(e);
      break;
    case 'village':
      genVillage(e);
      break;
    case 'commercial':
      genCommercial(e);
      break;
    case 'primary_school':
      genSchool(e, false);
      break;
    case 'middle_school':
      genSchool(e, true);
      break;
    case 'hospital':
      genHospital(e);
      break;
    case 'park':
      genPark(e);
      break;
    case 'industrial':
      genIndustrial(e);
      break;
    case 'public':
      genPublic(e);
      break;
    case 'construction':
      genConstruction(e);
      break;
    case 'civic':
      genCivic(e);
      break;
    case 'river':
      break; // water and bridges belong to the street lines (emitRowNodes / emitStreetWays)
  }
  return kind;
}
