/**
 * Facility blocks: schools, hospitals, public service blocks and the civic centre.
 */
import { isResidentialBuilding } from '../model/residential.js';
import { hash32 } from './prng.js';
import { CONVENIENCE_NAMES, PHARMACY_NAMES, SUPERMARKET_NAMES, cnNumber } from './names.js';
import type { Tags } from './plan.js';
import { type Rect, cx, cy, footprint, jitter, layoutGrid, rarea, rh, rw, shrink, trackShape } from './geometry.js';
import { type BlockEnv, arms, bare, buildingTags, closedPoly, closedRect, groundFloor, poi } from './block.js';

function schoolName(e: BlockEnv, middle: boolean): string {
  const r = e.rng.next();
  const n = 1 + (hash32(e.p.seed, e.bx, e.by, 99) % 60);
  if (middle) return r < 0.5 ? `第${cnNumber(n)}中学` : r < 0.75 ? bare(e.street) + '初级中学' : e.p.words.word(e.rng.int(0, 600)) + '高中';
  return r < 0.5 ? `第${cnNumber(n)}小学` : r < 0.75 ? e.p.vName[e.bx].replace(/(大道|路|街|巷)$/, '') + '路小学' : e.p.words.word(e.rng.int(0, 600)) + '实验小学';
}

export function genSchool(e: BlockEnv, middle: boolean): void {
  const { rng } = e;
  const name = schoolName(e, middle);
  const t: Tags = ['amenity', 'school', 'name', name];
  if (rng.chance(0.5)) t.push('isced:level', middle ? rng.pick(['2', '3', '2;3']) : '1');
  if (!middle && rng.chance(0.1)) t.push('school', 'primary');
  closedRect(e, e.plot, t, {});
  // track in the larger southern quadrant, pitch inside, teaching buildings elsewhere
  const tq = rarea(e.quads[0]) >= rarea(e.quads[1]) ? 0 : 1;
  const tr = shrink(e.quads[tq], 3);
  if (rw(tr) > 30 && rh(tr) > 20) {
    closedPoly(e, trackShape(tr), ['leisure', 'track', 'sport', 'athletics']);
    closedRect(e, shrink(tr, Math.min(rw(tr), rh(tr)) / 4), ['leisure', 'pitch', 'sport', 'soccer']);
  }
  const year = rng.int(1960, 2020);
  for (let q = 0; q < 4; q++) {
    if (q === tq) continue;
    const slots = layoutGrid(e.quads[q], rng.range(40, 56), 14, 10, 18);
    for (let k = 0; k < slots.length; k++) {
      const dorm = middle && q >= 2 && k === slots.length - 1 && rng.chance(0.6);
      const fp = jitter(rng, slots[k]);
      const pts = footprint(rng, fp, 0.2);
      const value = dorm ? 'dormitory' : rng.chance(0.7) ? 'school' : 'yes';
      closedPoly(e, pts, buildingTags(rng, value, rng.int(3, 6), Math.min(2024, year + rng.int(0, 10))), { residential: isResidentialBuilding(value, false) });
    }
  }
  if (rng.chance(0.4)) poi(e, e.gx + 4, e.gy + 4, ['leisure', 'playground']);
  arms(e, { S: true, N: rng.chance(0.5), W: false, E: false }, ['highway', 'service', 'access', 'private'], null, { nsExtra: [], ewExtra: [] });
}

export function genHospital(e: BlockEnv): void {
  const { rng } = e;
  const n = 1 + (hash32(e.p.seed, e.bx, e.by, 98) % 12);
  const name = rng.chance(0.5) ? `${e.p.district.replace(/区$/, '')}第${cnNumber(n)}人民医院` : e.p.words.word(rng.int(0, 600)) + '医院';
  closedRect(e, e.plot, ['amenity', 'hospital', 'healthcare', 'hospital', 'name', name]);
  for (let q = 0; q < 4; q++) {
    for (const s of layoutGrid(e.quads[q], rng.range(30, 50), rng.range(18, 26), 14, 18)) {
      closedPoly(e, footprint(rng, jitter(rng, s), 0.3), buildingTags(rng, rng.chance(0.7) ? 'hospital' : 'yes', rng.int(4, 24), rng.int(1970, 2022)));
    }
  }
  poi(e, e.gx + 6, e.gy - 6, ['amenity', 'pharmacy', 'name', name + '药房']);
  arms(e, { S: true, N: true, W: rng.chance(0.5), E: rng.chance(0.5) }, ['highway', 'service'], ['highway', 'footway'], { nsExtra: [], ewExtra: [] });
}

export function genPublic(e: BlockEnv): void {
  const { rng } = e;
  const dist = e.p.district.replace(/区$/, '');
  const uses: Tags[] = rng.shuffle([
    ['office', 'government', 'name', e.street + '办事处'],
    rng.pick<Tags>([
      ['amenity', 'library', 'name', bare(e.street) + '图书馆'],
      ['tourism', 'museum', 'name', dist + '博物馆'],
      ['amenity', 'arts_centre', 'name', bare(e.street) + '文化馆'],
      ['amenity', 'theatre', 'name', bare(e.street) + '剧院'],
    ]),
    rng.chance(0.5) ? ['amenity', 'fire_station', 'name', bare(e.street) + '消防救援站'] : ['amenity', 'community_centre', 'name', e.street + '综合文化站'],
    rng.chance(0.5) ? ['leisure', 'sports_centre', 'name', bare(e.street) + '全民健身中心'] : ['leisure', 'stadium', 'name', dist + '体育场'],
  ]);
  for (let q = 0; q < 4; q++) {
    const qr = e.quads[q];
    if (rw(qr) < 15 || rh(qr) < 15) continue;
    const fp = shrink(qr, Math.min(rw(qr), rh(qr)) * 0.15);
    const u = uses[q];
    if (u[1] === 'stadium') closedPoly(e, trackShape(fp), ['leisure', 'stadium', 'name', u[3]]);
    else closedPoly(e, footprint(rng, fp, 0.3), [...buildingTags(rng, rng.pick(['public', 'civic', 'yes']), rng.int(2, 8), rng.int(1980, 2022)), ...u]);
  }
  arms(e, { S: true, N: true, W: true, E: true }, ['highway', 'footway'], ['highway', 'footway'], { nsExtra: [], ewExtra: [] });
}

/** The civic centre: one of every facility category, whatever the city size. */
export function genCivic(e: BlockEnv): void {
  const { rng } = e;
  const dist = e.p.district.replace(/区$/, '');
  const [sw, se, nw, ne] = e.quads;
  // SW: a large public park (> 5,000 m²) with playground, fitness, toilets
  closedRect(e, sw, ['leisure', 'park', 'name', dist + '中心公园']);
  closedRect(e, { x0: sw.x0 + 6, y0: sw.y0 + 6, x1: sw.x0 + 26, y1: sw.y0 + 22 }, ['leisure', 'playground', 'name', '儿童游乐场']);
  poi(e, cx(sw), cy(sw), ['leisure', 'fitness_station', 'name', '健身广场']);
  poi(e, sw.x1 - 6, sw.y1 - 6, ['amenity', 'toilets', 'name', '公共厕所']);
  // SE: a pocket park of 2,000–5,000 m² and a private garden (< 2,000 m²)
  const pw = Math.min(rw(se) - 4, 62);
  const ph = Math.min(rh(se) - 30, 3000 / pw);
  const pocket: Rect = { x0: se.x0, y0: se.y0, x1: se.x0 + pw, y1: se.y0 + ph };
  closedRect(e, pocket, ['leisure', 'park', 'name', dist + '口袋公园']);
  const garden: Rect = { x0: se.x0, y0: se.y1 - 22, x1: se.x0 + Math.min(60, rw(se)), y1: se.y1 };
  closedRect(e, garden, ['leisure', 'garden', 'access', 'private', 'name', '机关大院花园']);
  // NW and NE: buildings with every category; what does not get a building becomes a node
  const specs: Tags[] = [
    ['amenity', 'hospital', 'healthcare', 'hospital', 'name', dist + '人民医院'],
    ['amenity', 'school', 'isced:level', '1', 'name', '第一小学'],
    ['amenity', 'school', 'isced:level', '2;3', 'name', '第一中学'],
    ['amenity', 'kindergarten', 'name', dist + '机关幼儿园'],
    ['amenity', 'library', 'name', dist + '图书馆'],
    ['amenity', 'community_centre', 'name', e.community + '党群服务中心'],
    ['shop', 'supermarket', 'name', SUPERMARKET_NAMES[0]],
    ['amenity', 'marketplace', 'name', bare(e.community) + '菜市场'],
    ['amenity', 'fire_station', 'name', dist + '消防救援站'],
    ['leisure', 'sports_centre', 'name', dist + '体育中心'],
    ['amenity', 'social_facility', 'social_facility', 'assisted_living', 'social_facility:for', 'senior', 'name', dist + '社会福利院'],
    ['amenity', 'theatre', 'name', dist + '大剧院'],
    ['tourism', 'museum', 'name', dist + '博物馆'],
    ['amenity', 'arts_centre', 'name', dist + '文化艺术中心'],
    ['amenity', 'post_office', 'name', dist + '邮政局'],
  ];
  const nodes: Tags[] = [
    ['amenity', 'childcare', 'name', '阳光托育中心'],
    ['amenity', 'clinic', 'healthcare', 'clinic', 'name', e.community + '卫生服务站'],
    ['amenity', 'pharmacy', 'healthcare', 'pharmacy', 'name', PHARMACY_NAMES[0]],
    ['amenity', 'parcel_locker', 'name', '丰巢快递柜'],
    ['amenity', 'recycling', 'recycling_type', 'container'],
    ['amenity', 'waste_disposal', 'name', '垃圾分类投放点'],
    ['amenity', 'charging_station', 'name', '国家电网充电站'],
    ['amenity', 'bus_station', 'name', dist + '公交总站'],
    ['shop', 'convenience', 'name', CONVENIENCE_NAMES[0]],
    ['name', '第二小学'], // only the name tells
  ];
  const slots = [...layoutGrid(nw, 26, 20, 8, 8), ...layoutGrid(ne, 26, 20, 8, 8)];
  const spots: Rect[] = [];
  for (let k = 0; k < specs.length; k++) {
    if (k < slots.length) {
      const fp = jitter(rng, slots[k], 0.9);
      closedRect(e, fp, [...buildingTags(rng, rng.pick(['public', 'civic', 'yes']), rng.int(2, 8), rng.int(1985, 2020), 1, 0.5, 0.5), ...specs[k]]);
      spots.push(fp);
    } else nodes.push(specs[k]);
  }
  for (const t of nodes) poi(e, ...(spots.length ? groundFloor(e, rng.pick(spots)) : ([e.gx + 5, e.gy + 5] as [number, number])), t);
  arms(e, { S: true, N: true, W: true, E: true }, ['highway', 'pedestrian', 'name', dist + '市民广场'], ['highway', 'footway'], { nsExtra: [], ewExtra: [] });
  closedRect(e, { x0: e.gx - 6, y0: e.gy + 3, x1: e.gx - 2, y1: e.gy + 7 }, ['highway', 'pedestrian', 'area', 'yes']);
}
