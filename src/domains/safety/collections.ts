/**
 * The safety domain's versioned tables and OGC collections, declared once (the lead registers
 * them with the archive's history command and the collections registry).
 */
import type { VersionedSpec } from '../../store/archive.js';
import type { CollectionSpec } from '../../catalog/collections.js';
import { STAFF_ROLES } from '../../store/principals.js';

export const PROFILES: VersionedSpec = { kind: 'building_safety', table: 'safety_profiles_versions', current: 'safety_profiles_current', key: ['building_id'], geom: false };
export const INSPECTIONS: VersionedSpec = { kind: 'inspections', table: 'safety_inspections_versions', current: 'safety_inspections_current', key: ['id'], geom: false };
export const SAFETY_VERSIONED: VersionedSpec[] = [PROFILES, INSPECTIONS];

/**
 * the latest inspection of each profiled building made by today, joined to the city model's
 * footprint (an inspection or a remediation dated later, in a store written before such dates were
 * refused, is not yet made)
 */
const PROFILE_FROM = `(SELECT p.*, b.geom, l.id AS last_inspection_id, l.date AS last_inspection, l.grade AS safety_grade, l.measure AS safety_measure,
    l.deadline AS safety_deadline, l.remediated_on AS safety_remediated_on, l.hazards AS safety_hazards,
    (l.grade IN ('C', 'D') AND (l.remediated_on IS NULL OR l.remediated_on > current_date)) AS safety_open_cd
  FROM safety_profiles_current p
  LEFT JOIN buildings_current b ON b.city_id = p.city_id AND b.id = p.building_id
  LEFT JOIN LATERAL (SELECT i.* FROM safety_inspections_current i WHERE i.city_id = p.city_id AND i.building_id = p.building_id AND i.date <= current_date
    ORDER BY i.date DESC, i.id DESC LIMIT 1) l ON true) t`;

export const SAFETY_COLLECTIONS: CollectionSpec[] = [
  {
    id: 'building_safety', title: 'Building safety register', title_zh: '房屋安全档案',
    description: 'Safety profile of each registered building (construction year, design life, structure, use, households, group rental, seismic intensity, isolation, insurance, fund) with its latest inspection (JGJ 125-2016 grade A–D, follow-up measure, deadline); geometry = the building footprint of the city model. 房屋全生命周期安全管理.',
    from: PROFILE_FROM, requires: ['safety_profiles_versions', 'buildings_versions'],
    probe: 'SELECT 1 FROM safety_profiles_current WHERE city_id = $1 LIMIT 1',
    missingHint: 'no safety register in the store yet: run `opencim safety import profiles.csv --db D`',
    key: [{ name: 'building_id', sql: 't.building_id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      { name: 'year_built', title_zh: '建成年份', sql: 't.year_built', type: 'integer', description: 'construction year 建成年份', tile: true },
      { name: 'design_life_years', title_zh: '设计使用年限', unit: '年', sql: 't.design_life_years', type: 'integer', description: 'design working life, years 设计使用年限 (null: 50 assumed)' },
      { name: 'structure', title_zh: '结构类型', sql: 't.structure', type: 'string', description: 'structure type 结构类型: brick_concrete, prefab_slab, frame, shear_wall, steel, timber, self_built, other', tile: true },
      { name: 'storeys', title_zh: '层数', sql: 't.storeys', type: 'integer', description: 'storeys 层数', tile: true },
      { name: 'height_m', title_zh: '高度', unit: 'm', sql: 't.height_m', type: 'number', description: 'height, m 高度', tile: true },
      { name: 'use', title_zh: '用途', sql: 't.use', type: 'string', description: 'use 用途: residential, public_crowded, commercial_self_built, office, industrial, other', tile: true },
      { name: 'households', title_zh: '户数', sql: 't.households', type: 'integer', description: 'households 户数' },
      { name: 'group_rental', title_zh: '群租房', sql: 't.group_rental', type: 'boolean', description: 'group rental 群租房', tile: true },
      { name: 'seismic_intensity', title_zh: '抗震设防烈度', sql: 't.seismic_intensity', type: 'number', description: 'seismic design intensity 抗震设防烈度' },
      { name: 'isolation', title_zh: '隔震减震', sql: 't.isolation', type: 'boolean', description: 'isolation or damping present 隔震减震' },
      { name: 'owner', title_zh: '产权人/管理人', sql: 't.owner', type: 'string', description: 'owner or manager 产权人/管理人' },
      { name: 'insured', title_zh: '房屋质量安全保险', sql: 't.insured', type: 'boolean', description: 'quality and safety insurance 房屋质量安全保险' },
      { name: 'fund', title_zh: '房屋安全管理资金', sql: 't.fund', type: 'boolean', description: 'safety management fund 房屋安全管理资金' },
      { name: 'safety_grade', title_zh: '最近鉴定等级', sql: 't.safety_grade', type: 'string', description: 'grade of the latest inspection A–D (JGJ 125-2016) 最近鉴定等级', tile: true },
      { name: 'last_inspection', title_zh: '最近体检日期', sql: "to_char(t.last_inspection, 'YYYY-MM-DD')", type: 'string', description: 'date of the latest inspection 最近体检日期', tile: true },
      { name: 'last_inspection_id', title_zh: '最近体检编号', sql: 't.last_inspection_id', type: 'string', description: 'id of the latest inspection' },
      { name: 'safety_measure', title_zh: '处理措施', sql: 't.safety_measure', type: 'string', description: 'follow-up measure of the latest inspection: use 处理使用, observe 观察使用, stop 停止使用, demolish 整体拆除', tile: true },
      { name: 'safety_deadline', title_zh: '整改期限', sql: "to_char(t.safety_deadline, 'YYYY-MM-DD')", type: 'string', description: 'follow-up deadline 整改期限' },
      { name: 'safety_open_cd', title_zh: '危房未整治', sql: 'coalesce(t.safety_open_cd, false)', type: 'boolean', description: 'latest grade C or D not remediated 危房未整治', tile: true },
      { name: 'safety_hazards', title_zh: '隐患', sql: 'to_jsonb(t.safety_hazards)', type: 'object', description: 'hazards of the latest inspection 隐患', queryable: false },
    ],
    tile: { minzoom: 13, maxzoom: 16, kind: 'polygon' },
  },
  {
    id: 'inspections', title: 'House safety inspections', title_zh: '房屋安全体检记录',
    // inspection records name inspectors and carry findings not yet acted on: the city's staff only
    read: STAFF_ROLES,
    description: 'Every current inspection record (房屋体检): date, organisation, inspector, method, grade A–D, hazards, follow-up measure, deadline, remediation; geometry = the building footprint.',
    from: `(SELECT i.*, b.geom FROM safety_inspections_current i LEFT JOIN buildings_current b ON b.city_id = i.city_id AND b.id = i.building_id) t`,
    requires: ['safety_inspections_versions', 'buildings_versions'],
    probe: 'SELECT 1 FROM safety_inspections_current WHERE city_id = $1 LIMIT 1',
    missingHint: 'no inspections in the store yet: run `opencim safety import inspections.csv --db D`',
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    time: { name: 'date', description: 'inspection date: the day', start: "(t.date::timestamp AT TIME ZONE 'UTC')", end: "((t.date + 1)::timestamp AT TIME ZONE 'UTC')" },
    properties: [
      { name: 'building_id', title_zh: '建筑编号', sql: 't.building_id', type: 'string', description: 'building (city model id) 建筑编号' },
      { name: 'date', title_zh: '体检日期', sql: "to_char(t.date, 'YYYY-MM-DD')", type: 'string', description: 'inspection date 体检日期' },
      { name: 'organisation', title_zh: '鉴定机构', sql: 't.organisation', type: 'string', description: 'organisation 鉴定机构' },
      { name: 'inspector', title_zh: '鉴定人', sql: 't.inspector', type: 'string', description: 'inspector 鉴定人' },
      { name: 'method', title_zh: '方法', sql: 't.method', type: 'string', description: 'method 方法' },
      { name: 'grade', title_zh: '等级', sql: 't.grade', type: 'string', description: 'grade A–D (JGJ 125-2016) 等级' },
      { name: 'hazards', title_zh: '隐患', sql: 'to_jsonb(t.hazards)', type: 'object', description: 'hazards 隐患: structure, gas, stairwell, envelope, pipes, age_friendly, energy, digital', queryable: false },
      { name: 'measure', title_zh: '处理措施', sql: 't.measure', type: 'string', description: 'follow-up measure 处理措施: use, observe, stop, demolish' },
      { name: 'deadline', title_zh: '整改期限', sql: "to_char(t.deadline, 'YYYY-MM-DD')", type: 'string', description: 'deadline 整改期限' },
      { name: 'remediated_on', title_zh: '整改完成日期', sql: "to_char(t.remediated_on, 'YYYY-MM-DD')", type: 'string', description: 'remediated on 整改完成日期' },
      { name: 'verified_by', title_zh: '验收人', sql: 't.verified_by', type: 'string', description: 'verified by 验收人' },
      { name: 'photos', title_zh: '照片', sql: 'to_jsonb(t.photos)', type: 'object', description: 'photos: sha256 of stored files or URLs', queryable: false },
    ],
  },
];
