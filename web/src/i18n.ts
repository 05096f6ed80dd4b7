import i18next from 'i18next';

/** Interface texts, Chinese first (the default), English second. */
const zh = {
  title: 'OpenCIM 城市信息模型',
  subtitle: '城市数字底座 · 步行可达性 · 城市体检',
  layers: '图层',
  dashboard: '体检看板',
  colorBy: '建筑着色',
  accessCategory: '可达设施类别',
  legend: '图例',
  facilities: '公共服务设施',
  all: '全部',
  none: '清空',
  parks: '公园绿地',
  landUse: '用地',
  walkNetwork: '步行网络',
  adminAreas: '行政区划',
  renewal: '更新候选',
  rank: '排名',
  isochroneHint: '点击地图空白处: 5/10/15 分钟步行等时圈',
  isochrone: '步行等时圈',
  minutes: '{{n}} 分钟',
  clearIsochrone: '清除等时圈',
  walkFromHere: '从这里步行',
  zoomIn: '放大地图以显示建筑 (≥ {{z}} 级)',
  building: '建筑',
  attributes: '属性',
  name: '名称',
  use: '用途',
  height: '高度',
  levels: '层数',
  year: '建成年份',
  residential: '居住建筑',
  area: '占地面积',
  yes: '是',
  no: '否',
  unknown: '未知',
  heightEstimated: '{{h}} 米 (按层数 × 3 米估算)',
  heightDefault: '未知 (按 {{h}} 米显示)',
  distances: '到各类设施的步行距离',
  threshold: '标准',
  distance: '距离',
  withinThreshold: '达标',
  beyondThreshold: '未达标',
  unreachable: '> {{km}} 公里（超出搜索范围）',
  dataGap: '无数据（数据中没有该类设施）',
  noAccess: '尚无可达性结果: 运行 opencim access --db',
  notResidential: '非居住建筑: 可达性按居住建筑计算',
  records: '数据记录',
  source: '数据来源',
  tags: '原始标签',
  openOsm: '在 OpenStreetMap 中查看',
  close: '关闭',
  loading: '加载中…',
  residents: '估算居民',
  indicators: '体检指标',
  level_city: '城市',
  level_district: '城区',
  level_street: '街道',
  level_community: '社区',
  noIndicators: '尚无城市体检结果: 运行 opencim check --db D --out DIR, 并以 --report DIR 启动服务',
  accessChart: '居民步行可达率 (设施标准距离内)',
  ranking: '社区生活圈完整度排名',
  noRanking: '数据中没有社区/街道边界, 无法排名',
  openReport: '打开体检报告',
  pass: '达标',
  fail: '未达标',
  value: '数值',
  target: '目标',
  summary: '城市概况',
  buildings: '建筑',
  walkKm: '步行网络',
  dataVersion: '数据版本',
  language: 'English',
  city: '城市',
  noData: '暂无数据',
  attribution: '© OpenStreetMap contributors',
  completeness: '完整度',
};
type Keys = keyof typeof zh;
const en: Record<Keys, string> = {
  title: 'OpenCIM City Information Model',
  subtitle: 'City data foundation · walking access · urban health check',
  layers: 'Layers',
  dashboard: 'Health check',
  colorBy: 'Colour buildings by',
  accessCategory: 'Facility category',
  legend: 'Legend',
  facilities: 'Facilities',
  all: 'All',
  none: 'None',
  parks: 'Parks',
  landUse: 'Land use',
  walkNetwork: 'Walk network',
  adminAreas: 'Admin areas',
  renewal: 'Renewal candidates',
  rank: 'Rank',
  isochroneHint: 'Click an empty spot: 5/10/15-minute walking isochrone',
  isochrone: 'Walking isochrone',
  minutes: '{{n}} min',
  clearIsochrone: 'Clear isochrone',
  walkFromHere: 'Walk from here',
  zoomIn: 'Zoom in to see buildings (zoom ≥ {{z}})',
  building: 'Building',
  attributes: 'Attributes',
  name: 'Name',
  use: 'Use',
  height: 'Height',
  levels: 'Levels',
  year: 'Year built',
  residential: 'Residential',
  area: 'Footprint',
  yes: 'yes',
  no: 'no',
  unknown: 'unknown',
  heightEstimated: '{{h}} m (levels × 3 m)',
  heightDefault: 'unknown (drawn {{h}} m)',
  distances: 'Walking distance to each facility category',
  threshold: 'Standard',
  distance: 'Distance',
  withinThreshold: 'within',
  beyondThreshold: 'beyond',
  unreachable: '> {{km}} km (beyond the search cut-off)',
  dataGap: 'no data (no facility of this category in the data)',
  noAccess: 'No walking access results yet: run opencim access --db',
  notResidential: 'Not residential: access is computed for residential buildings',
  records: 'Records',
  source: 'Source',
  tags: 'Source tags',
  openOsm: 'View on OpenStreetMap',
  close: 'Close',
  loading: 'Loading…',
  residents: 'Estimated residents',
  indicators: 'Indicators',
  level_city: 'City',
  level_district: 'District',
  level_street: 'Street',
  level_community: 'Community',
  noIndicators: 'No health check results yet: run opencim check --db D --out DIR and serve with --report DIR',
  accessChart: 'Residents within the walking standard, by category',
  ranking: 'Communities by living-circle completeness',
  noRanking: 'No community or street boundaries in the data to rank',
  openReport: 'Open the health check report',
  pass: 'pass',
  fail: 'fail',
  value: 'Value',
  target: 'Target',
  summary: 'City summary',
  buildings: 'Buildings',
  walkKm: 'Walk network',
  dataVersion: 'Data version',
  language: '中文',
  city: 'City',
  noData: 'No data',
  attribution: '© OpenStreetMap contributors',
  completeness: 'Completeness',
};

export type Lang = 'zh' | 'en';

export function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh') return q;
  try {
    const s = localStorage.getItem('opencim.lang');
    if (s === 'en' || s === 'zh') return s;
  } catch { /* storage may be off */ }
  return 'zh';
}

export async function initI18n(): Promise<typeof i18next> {
  await i18next.init({
    lng: initialLang(), fallbackLng: 'zh', resources: { zh: { translation: zh }, en: { translation: en } },
    interpolation: { escapeValue: false },
  });
  return i18next;
}

export function lang(): Lang { return (i18next.language === 'en' ? 'en' : 'zh'); }
export const t = (k: Keys, o: Record<string, unknown> = {}): string => i18next.t(k, o) as string;
/** a bilingual text of the style document or the API */
export const tx = (o: { zh: string; en: string }): string => (lang() === 'en' ? o.en : o.zh);

export async function setLang(l: Lang): Promise<void> {
  try { localStorage.setItem('opencim.lang', l); } catch { /* ignore */ }
  await i18next.changeLanguage(l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}
