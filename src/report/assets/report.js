/* OpenCIM urban health check report: renders the inline data (no network, no basemap). */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var lang = /[#&]lang=en/.test(location.hash) ? 'en' : 'zh';
  var charts = [];

  var T = {
    zh: {
      title: '城市体检报告', overview: '总览', charts: '图表', maps: '地图', levels: '指标体系', areas: '分区结果', renewal: '城市更新', method: '方法与数据',
      source: '数据', generated: '生成时间', catalogue: '指标库', indicators: '指标', computed: '计算', manual: '填报', none: '缺失', no_data: '无数据', graded: '已评定', withheld: '可信度低不评定',
      pass: '达标', fail: '未达标', no_target: '无目标值', problems: '问题', candidates: '更新候选', residents: '估算人口', rbuildings: '住宅建筑',
      housing: '住房', community: '小区（社区）', block: '街区', city: '城区（城市）', supp: '补充',
      seq: '序号', name: '指标', value: '数值', target: '目标', status: '状态', grade: '评级', src: '来源', comp: '可计算性', explain: '说明', prev: '上期', change: '变化',
      improved: '改善', worsened: '变差', unchanged: '持平', changed: '变化', new: '新增', not_comparable: '不可比',
      chStatus: '各层级指标状态', chAccess: '步行可达：居民在阈值内的比例', chLc: '生活圈完整度（最低的分区）', chRenewal: '更新候选得分构成（前 15）',
      mapCov: '覆盖：住宅建筑是否在服务范围内', mapGap: '缺口：社区（小区）未达标配建项数', mapLc: '社区生活圈完整度', served: '覆盖', notServed: '未覆盖', park: '公园绿地', network: '步行网络',
      layerPark: '公园（步行 500 m）', layerTransit: '公交/轨道（SDG 11.2.1）', layerSchool: '中学（步行 1000 m）', fails: '未达标项', rank: '更新候选排名',
      area: '区域', level: '层级', kind: '类型', chooseInd: '选择指标', score: '优先级得分', reasons: '原因', ledger: '问题清单', evidence: '依据', gap: '差距',
      ledgerNote: '完整问题清单见 renewal.geojson（以及 --db 时的数据库表 check_problems）', candNote: '得分规则', units: '分析单元', notes: '注意', params: '参数',
      byInd: '按指标统计', shown: '显示', of: '共', perCat: '类别', facilities: '设施数', within: '阈值内居民', noPoly: '没有可绘制的社区或小区边界',
      sampled: '住宅建筑抽样显示：每', every: '栋取 1', dist: '区', street: '街道', grid: '网格', compound: '小区', old_building_cluster: '老旧建筑群', districtL: '区', streetL: '街道', communityL: '社区', cityL: '城市',
      explainLang: '（方法说明中文在前，英文原文附后）', yes: '是', kpiNote: '主要计算指标（城市层级）',
      quality: '数据质量', conf: '可信度', high: '高', medium: '中', low: '低', dataGap: '数据缺口', layer: '图层', completeness: '完整性', estimated: '估算内容',
      gapsNote: '数据中完全没有的设施类别：显示为“无数据”（灰色），不计为短缺，也不参与更新排序', noValue: '无法计算的指标（输入不足）', rules: '可信度规则', popSrc: '人口来源',
      popTotal: '总人口', popAlloc: '已分配', popUnalloc: '未分配（无住宅建筑）', estimate: '按建筑面积估算', census: '人口普查表', raster: '人口栅格', cityValues: '城市层级数值的可信度',
      no: '否', verdict: '判定', v_within: '未超限', v_over: '超限', v_undetermined: '无法判定', v_withheld: '不作判定',
      p_park_network_m: '公园步行距离', p_transit_bus_m: '公交站步行距离', p_transit_metro_m: '轨道站步行距离', p_middle_school_radius_m: '中学服务半径', p_cutoff_m: '步行距离计算上限',
    },
    en: {
      title: 'Urban health check', overview: 'Overview', charts: 'Charts', maps: 'Maps', levels: 'Indicator system', areas: 'By area', renewal: 'Urban renewal', method: 'Method and data',
      source: 'Data', generated: 'Generated', catalogue: 'Catalogue', indicators: 'indicators', computed: 'computed', manual: 'manual', none: 'missing', no_data: 'no data', graded: 'graded', withheld: 'low confidence, not graded',
      pass: 'pass', fail: 'fail', no_target: 'no target', problems: 'problems', candidates: 'renewal candidates', residents: 'estimated residents', rbuildings: 'residential buildings',
      housing: 'Housing', community: 'Community', block: 'Block', city: 'City', supp: 'supplementary',
      seq: '#', name: 'Indicator', value: 'Value', target: 'Target', status: 'Status', grade: 'Grade', src: 'Source', comp: 'Comp.', explain: 'Explain', prev: 'Previous', change: 'Change',
      improved: 'improved', worsened: 'worsened', unchanged: 'unchanged', changed: 'changed', new: 'new', not_comparable: 'not comparable',
      chStatus: 'Indicator status by level', chAccess: 'Walking access: residents within the threshold', chLc: 'Living-circle completeness (lowest areas)', chRenewal: 'Renewal candidates: score components (top 15)',
      mapCov: 'Coverage: residential buildings within reach', mapGap: 'Gaps: provision rules failed in each community (compound)', mapLc: 'Communities by living-circle completeness', served: 'served', notServed: 'not served', park: 'park', network: 'walk network',
      layerPark: 'park (500 m walk)', layerTransit: 'bus/metro (SDG 11.2.1)', layerSchool: 'middle school (1000 m walk)', fails: 'rules failed', rank: 'renewal rank',
      area: 'Area', level: 'Level', kind: 'Kind', chooseInd: 'Indicator', score: 'Priority', reasons: 'Reasons', ledger: 'Problem ledger', evidence: 'Evidence', gap: 'Gap',
      ledgerNote: 'the full ledger is in renewal.geojson (and, with --db, the table check_problems)', candNote: 'Scoring', units: 'Units of analysis', notes: 'Notes', params: 'Parameters',
      byInd: 'by indicator', shown: 'showing', of: 'of', perCat: 'category', facilities: 'facilities', within: 'residents within', noPoly: 'no community or compound boundaries to draw',
      sampled: 'residential buildings sampled: 1 in', every: '', dist: 'district', street: 'street', grid: 'grid cell', compound: 'compound', old_building_cluster: 'old building cluster', districtL: 'district', streetL: 'street', communityL: 'community', cityL: 'city',
      explainLang: '', yes: 'yes', kpiNote: 'Main computed indicators (city level)',
      quality: 'Data quality', conf: 'Confidence', high: 'high', medium: 'medium', low: 'low', dataGap: 'data gap', layer: 'Layer', completeness: 'Completeness', estimated: 'What was estimated',
      gapsNote: 'facility categories absent from the data: shown as “no data” (grey), never counted as a shortfall nor used in the renewal ranking', noValue: 'indicators without a value (inputs cannot support one)', rules: 'Confidence rules', popSrc: 'Population source',
      popTotal: 'total', popAlloc: 'allocated', popUnalloc: 'unallocated (no residential building)', estimate: 'floor-area estimate', census: 'census table', raster: 'population raster', cityValues: 'Confidence of the city values',
      no: 'no', verdict: 'verdict', v_within: 'within', v_over: 'over', v_undetermined: 'undetermined', v_withheld: 'withheld',
      p_park_network_m: 'park walking distance', p_transit_bus_m: 'bus stop walking distance', p_transit_metro_m: 'metro walking distance', p_middle_school_radius_m: 'middle school radius', p_cutoff_m: 'walking distance cut-off',
    },
  };
  function t(k) { return (T[lang] && T[lang][k] !== undefined) ? T[lang][k] : k; }
  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function nm(x) { return lang === 'zh' ? x.name_zh : x.name_en; }
  function num(v, d) { return Number(v).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: d, minimumFractionDigits: d }); }
  function fmt(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return '—';
    switch (unit) {
      case 'ratio': return num(100 * v, 1) + '%';
      case 'count': case 'persons/km2': return num(v, 0);
      case 'km/km2': return num(v, 2);
      case 'm2/person': return num(v, 1);
      case 'index': return num(v, 3);
      default: return num(v, 2);
    }
  }
  var UNIT_EN = { 'km/km2': 'km/km²', 'm2/person': 'm²/person', 'persons/km2': 'persons/km²', index: 'Gini coefficient', count: '', '10k_m3/h': '10⁴ m³/h' };
  function unitLabel(x) { return x.unit === 'ratio' ? '' : (lang === 'zh' ? x.unit_zh : (UNIT_EN[x.unit] !== undefined ? UNIT_EN[x.unit] : x.unit)); }
  // the target in the value's own unit (90%, not 0.9)
  function fmtTarget(x) { return x.target ? esc(x.target.op) + ' ' + fmt(x.target.value, x.unit) + (x.unit === 'ratio' ? '' : ' ' + esc(unitLabel(x))) + (x.target.source === 'M' ? ' <span class="muted small">[M]</span>' : '') : '—'; }
  function confBadge(x) { return x.confidence ? '<span class="badge conf ' + x.confidence + '" title="' + esc(lang === 'zh' && x.confidence_reason_zh ? x.confidence_reason_zh : x.confidence_reason) + '">' + t(x.confidence) + '</span>' : ''; }
  function gapBadge(x) { return x.data_gap ? ' <span class="badge no_data gap" title="' + esc(x.data_gap.join(', ')) + '">' + t('dataGap') + '</span>' : ''; }
  // a verdict on a rule beside the value (the height cap of 建科〔2021〕76号): never the status, which is the value against its target
  function verdictBadge(x) { return x.verdict ? ' <span class="badge verdict ' + x.verdict.outcome + '" title="' + esc(lang === 'zh' ? x.verdict.why_zh : x.verdict.why) + '">' + t('verdict') + ' ' + esc(x.verdict.rule) + (lang === 'zh' ? '：' : ': ') + t('v_' + x.verdict.outcome) + '</span>' : ''; }
  function badge(st) { return '<span class="badge ' + st + '">' + t(st) + '</span>'; }
  // a computed value kept but not graded (low confidence) is not "no data"
  function statusBadge(x) { return x.status === 'no_data' && x.value !== null && x.source === 'computed' ? '<span class="badge no_data withheld">' + t('withheld') + '</span>' : badge(x.status); }
  function srcBadge(s) { return '<span class="badge src ' + s + '">' + t(s) + '</span>'; }
  function areaName(id, name) { return name ? esc(name) : esc(id); }

  // ---------------------------------------------------------------------------------------------
  function header() {
    var m = D.meta;
    return '<header class="top"><h1>' + t('title') + ' · ' + esc(m.city) + '</h1>' +
      '<div class="sub">' + t('source') + ': ' + esc(m.source) + ' · ' + t('generated') + ': ' + esc(m.generated_at.replace('T', ' ').slice(0, 19)) + ' UTC · ' + t('catalogue') + ' ' + esc(m.catalogue.version) +
      (m.attribution ? ' · ' + esc(m.attribution) : '') + '</div>' +
      '<nav>' + ['quality', 'overview', 'charts', 'maps', 'levels', 'areas', 'renewal', 'method'].map(function (k) { return '<a href="#' + k + '">' + t(k) + '</a>'; }).join('') + '</nav>' +
      '<div class="lang"><button data-lang="zh" class="' + (lang === 'zh' ? 'on' : '') + '">中文</button><button data-lang="en" class="' + (lang === 'en' ? 'on' : '') + '">English</button></div></header>';
  }

  var KPI = ['park_service_coverage', 'park_green_per_capita', 'living_circle_completeness', 'transit_access', 'middle_school_coverage', 'road_network_density',
    'population_density', 'aged_housing_share', 'community_kindergarten_shortfall', 'community_elderly_shortfall', 'service_equity', 'high_rise_count'];

  // one fact of the data-quality table: its label in the language of the page (src/report/quality.ts QUALITY_LABELS), the value as its format says
  function qualityLabel(k) { var l = D.quality_labels[k]; return l ? l[lang] : k; }
  function qualityFact(k, v) {
    var f = D.quality_labels[k] ? D.quality_labels[k].format : 'count';
    var sep = lang === 'zh' ? '：' : ': ';
    var text;
    if (v === null || v === undefined) text = '—';
    else if (f === 'categories') text = Object.keys(v).map(function (c) { var n = D.category_names[c]; return (n ? n[lang] : c) + ' ' + num(v[c], 0); }).join(lang === 'zh' ? '、' : ', ');
    else if (f === 'group' || typeof v === 'object') return esc(qualityLabel(k)) + sep + Object.keys(v).map(function (c) { return qualityFact(c, v[c]); }).join(lang === 'zh' ? '，' : ', ');
    else if (f === 'share') text = num(100 * v, 1) + '%';
    else if (f === 'bool') text = v ? t('yes') : t('no');
    else if (f === 'km2') text = num(v, 3) + ' km²';
    else text = num(v, 0);
    return esc(qualityLabel(k)) + sep + esc(text);
  }

  function qualitySection() {
    var q = D.quality, p = q.population;
    var pop = '<p><b>' + t('popSrc') + '</b>: ' + esc(t(p.kind)) + (p.kind === 'estimate' ? '' : ' “' + esc(p.source) + '”' + (p.year ? ' (' + p.year + ')' : '')) +
      ' · ' + t('popTotal') + ' ' + num(p.total, 0) + ' · ' + t('popAlloc') + ' ' + num(p.allocated, 0) + ' · ' + t('popUnalloc') + ' ' + num(p.unallocated, 0) + '</p>';
    var layers = '<div class="tablewrap"><table id="quality-layers"><thead><tr><th>' + t('layer') + '</th><th>' + t('completeness') + '</th></tr></thead><tbody>' + q.layers.map(function (l) {
      var facts = Object.keys(l).filter(function (k) { return k !== 'layer' && k !== 'zh' && k !== 'en'; }).map(function (k) { return qualityFact(k, l[k]); }).join(' · ');
      return '<tr><td>' + esc(lang === 'zh' ? l.zh : (l.en || l.layer)) + '</td><td class="small">' + facts + '</td></tr>';
    }).join('') + '</tbody></table></div>';
    var est = '<h3>' + t('estimated') + '</h3><ul class="notes">' + q.estimated.map(function (e) { return '<li>' + esc(lang === 'zh' ? e.zh : e.en) + '</li>'; }).join('') + '</ul>';
    var gaps = '<h3>' + t('dataGap') + ' (' + q.data_gaps.length + ')</h3><p class="small">' + (q.data_gaps.length ? q.data_gaps.map(function (g) { return '<span class="badge no_data gap">' + esc(lang === 'zh' ? g.name_zh : g.name_en) + ' · ' + t('no_data') + '</span>'; }).join(' ') : '—') + '</p><p class="muted small">' + t('gapsNote') + '</p>';
    var cv = q.confidence.city_values;
    var conf = '<h3>' + t('cityValues') + '</h3><p>' + ['high', 'medium', 'low'].map(function (k) { return '<span class="badge conf ' + k + '">' + t(k) + '</span> ' + cv[k]; }).join(' · ') + '</p>' +
      '<details><summary>' + t('rules') + '</summary><ul class="notes small">' + q.confidence.rules.map(function (r) { return '<li><b>' + r.id + '</b> ' + esc(lang === 'zh' ? r.zh : r.en) + '</li>'; }).join('') + '</ul></details>';
    var nv = q.no_value.length ? '<h3>' + t('noValue') + ' (' + q.no_value.length + ')</h3><ul class="notes small" id="no-value">' + q.no_value.map(function (x) { return '<li><b>' + esc(nm(x)) + '</b> <span class="muted">' + esc(x.id) + '</span>: ' + esc(lang === 'zh' && x.reason_zh ? x.reason_zh : x.reason) + '</li>'; }).join('') + '</ul>' : '';
    return '<section id="quality"><h2>' + t('quality') + '</h2>' + pop + layers + est + gaps + conf + nv + '</section>';
  }

  function overview() {
    var m = D.meta, s = m.summary;
    var byId = {};
    D.indicators.forEach(function (x) { byId[x.id] = x; });
    var cards = KPI.map(function (id) {
      var x = byId[id];
      if (!x) return '';
      var cls = x.status === 'pass' ? 'pass' : x.status === 'fail' ? 'fail' : '';
      return '<div class="kpi ' + cls + '"><div class="k">' + esc(nm(x)) + '</div><div class="v">' + fmt(x.value, x.unit) + ' <span class="small muted">' + esc(unitLabel(x)) + '</span></div>' +
        '<div class="t">' + t('target') + ' ' + fmtTarget(x) + ' · ' + statusBadge(x) + gapBadge(x) + verdictBadge(x) + ' ' + confBadge(x) + (x.grade ? ' · ' + esc(lang === 'zh' ? x.grade.zh : x.grade.en) : '') + '</div></div>';
    }).join('');
    var counts = [
      [s.indicators, t('indicators')], [s.computed, t('computed') + ' (' + t('graded') + ' ' + s.computed_graded + ' · ' + t('no_target') + ' ' + s.computed_no_target + ' · ' + t('withheld') + ' ' + s.computed_withheld + ')'],
      [s.manual, t('manual')], [s.no_data, t('no_data')], [s.pass, t('pass')], [s.fail, t('fail')],
      [s.problems, t('problems')], [s.renewal_candidates, t('candidates')], [num(m.residents, 0), t('residents')], [num(m.residential_buildings, 0), t('rbuildings')],
    ].map(function (c) { return '<span><b>' + c[0] + '</b> ' + esc(c[1]) + '</span>'; }).join('');
    return '<section id="overview"><h2>' + t('overview') + '</h2><div class="counts">' + counts + '</div>' +
      '<h3>' + t('kpiNote') + '</h3><div class="kpis">' + cards + '</div>' +
      (m.notes.length ? '<ul class="notes">' + (lang === 'zh' && m.notes_zh ? m.notes_zh : m.notes).map(function (n) { return '<li>' + esc(n) + '</li>'; }).join('') + '</ul>' : '') + '</section>';
  }

  function chartsSection() {
    return '<section id="charts"><h2>' + t('charts') + '</h2><div class="grid2">' +
      '<div><h3>' + t('chStatus') + '</h3><div class="chart" id="ch-status"></div></div>' +
      '<div><h3>' + t('chAccess') + '</h3><div class="chart" id="ch-access"></div></div>' +
      '<div><h3>' + t('chLc') + '</h3><div class="chart" id="ch-lc"></div></div>' +
      '<div><h3>' + t('chRenewal') + '</h3><div class="chart" id="ch-renewal"></div></div>' +
      '</div></section>';
  }

  function mapsSection() {
    var b = D.map.buildings;
    return '<section id="maps"><h2>' + t('maps') + '</h2><div class="maps">' +
      '<div class="map"><h3>' + t('mapCov') + '<select id="cov-layer"><option value="park">' + t('layerPark') + '</option><option value="transit">' + t('layerTransit') + '</option><option value="school">' + t('layerSchool') + '</option></select></h3>' +
      '<canvas id="map-cov"></canvas>' +
      '<div class="legend"><span><i style="background:#1b9e5a"></i>' + t('served') + '</span><span><i style="background:#d7301f"></i>' + t('notServed') + '</span><span><i style="background:#b7e1b0"></i>' + t('park') + '</span><span><i style="background:#b9b9b9"></i>' + t('network') + '</span></div></div>' +
      '<div class="map"><h3>' + t('mapGap') + '</h3><canvas id="map-gap"></canvas><div class="tip"></div>' +
      '<div class="legend">' + [['#d9efdf', '0'], ['#fdd49e', '1'], ['#fc8d59', '2'], ['#d7301f', '3+']].map(function (c) { return '<span><i style="background:' + c[0] + '"></i>' + c[1] + ' ' + t('fails') + '</span>'; }).join('') +
      '<span><i style="background:#fff;border:2px solid #1d4ed8"></i>' + t('rank') + '</span></div></div>' +
      '<div class="map"><h3>' + t('mapLc') + '</h3><canvas id="map-lc"></canvas><div class="tip"></div>' +
      '<div class="legend">' + LC_CLASSES.map(function (c) { return '<span><i style="background:' + c[2] + '"></i>' + c[0] + '–' + c[1] + '%</span>'; }).join('') + '</div></div>' +
      '</div><p class="muted small">' + (b.sampled_every > 1 ? t('sampled') + ' ' + b.sampled_every + ' ' + t('every') + ' (' + num(b.total, 0) + ')' : '') + '</p></section>';
  }
  // the bands of src/catalog/legends.ts (the viewer's dashboard uses the same): [from %, to %, colour], ascending
  var LC_CLASSES = D.legends.completeness.slice().reverse().map(function (b, i, a) { return [Math.round(b.min * 100), i < a.length - 1 ? Math.round(a[i + 1].min * 100) : 100, b.color]; });
  function covColor(v) { var c = D.legends.coverage; for (var i = 0; i < c.length; i++) if (v >= 100 * c[i].min) return c[i].color; return c[c.length - 1].color; }

  function levelTables() {
    var out = '<section id="levels"><h2>' + t('levels') + '</h2><p class="muted small">' + esc(D.meta.catalogue['title_' + lang]) + ' ' + t('explainLang') + '</p>';
    var cmp = D.meta.compare;
    ['housing', 'community', 'block', 'city'].forEach(function (lv) {
      var rows = D.indicators.filter(function (x) { return x.system_level === lv; });
      out += '<h3>' + t(lv) + ' (' + rows.length + ')</h3><div class="tablewrap"><table><thead><tr><th>' + t('seq') + '</th><th>' + t('name') + '</th><th>' + t('value') + '</th><th>' + t('target') + '</th><th>' + t('status') + '</th><th>' + t('conf') + '</th><th>' + t('grade') + '</th><th>' + t('src') + '</th><th>' + t('comp') + '</th>' +
        (cmp ? '<th>' + t('prev') + '</th><th>' + t('change') + '</th>' : '') + '<th>' + t('explain') + '</th></tr></thead><tbody>';
      rows.forEach(function (x) {
        var ch = x.previous ? '<span class="badge ' + (x.previous.change === 'improved' ? 'up' : x.previous.change === 'worsened' ? 'down' : 'no_data') + '">' + t(x.previous.change) + (x.previous.delta !== null ? ' ' + (x.previous.delta > 0 ? '+' : '') + fmt(x.previous.delta, x.unit) : '') + '</span>' : '';
        out += '<tr class="' + (x.status === 'pass' || x.status === 'fail' ? x.status : '') + '"><td class="num">' + (x.seq === null ? '<span class="muted small">' + t('supp') + '</span>' : x.seq) + '</td>' +
          '<td>' + esc(nm(x)) + '<div class="muted small">' + esc(x.id) + '</div></td><td class="num">' + fmt(x.value, x.unit) + (x.value === null ? '' : ' <span class="muted small">' + esc(unitLabel(x)) + '</span>') + '</td>' +
          '<td class="num">' + fmtTarget(x) + '</td><td class="st">' + statusBadge(x) + gapBadge(x) + verdictBadge(x) + '</td><td>' + confBadge(x) + '</td><td>' + (x.grade ? esc(lang === 'zh' ? x.grade.zh : x.grade.en) : '') + '</td><td>' + srcBadge(x.source) + '</td><td>' + esc(x.computability.join('/')) + '</td>' +
          (cmp ? '<td class="num">' + (x.previous ? fmt(x.previous.value, x.unit) : '') + '</td><td>' + ch + '</td>' : '') +
          '<td><details><summary>' + t('explain') + '</summary><p>' + esc(lang === 'zh' && x.explain_zh ? x.explain_zh : x.explain) + '</p>' + (lang === 'zh' && x.explain_zh ? '<p class="muted small">' + esc(x.explain) + '</p>' : '') + '</details></td></tr>';
      });
      out += '</tbody></table></div>';
    });
    return out + '</section>';
  }

  function areasSection() {
    var ids = Object.keys(D.byArea).filter(function (k) { return D.byArea[k].length; });
    var opts = ids.map(function (id) { var x = D.indicators.filter(function (y) { return y.id === id; })[0]; return '<option value="' + id + '">' + esc(x ? nm(x) : id) + '</option>'; }).join('');
    return '<section id="areas"><h2>' + t('areas') + '</h2><label>' + t('chooseInd') + ' <select class="ind" id="area-ind">' + opts + '</select></label><div id="area-table" style="margin-top:10px"></div>' +
      '<p class="muted small" id="units-note">' + t('units') + (lang === 'zh' ? '：' : ': ') + unitSources().map(function (u) { return esc(u[0]) + ' — ' + esc(u[1]); }).join(lang === 'zh' ? '；' : '; ') + '</p></section>';
  }
  // the units of analysis by level, named and described in the language of the page
  function unitSources() {
    var m = D.meta, src = lang === 'zh' && m.units_zh ? m.units_zh : m.units;
    var names = { city: t('cityL'), district: t('districtL'), street: t('streetL'), community: t('communityL'), provision: lang === 'zh' ? '配建计数单元' : 'provision counting units' };
    return Object.keys(m.units).map(function (k) { return [names[k] || k, src[k] || m.units[k]]; });
  }
  function renderAreaTable(id) {
    var x = D.indicators.filter(function (y) { return y.id === id; })[0];
    var rows = (D.byArea[id] || []).slice();
    var dir = x && x.unit !== 'count' && x.id.indexOf('shortfall') < 0 ? 1 : -1;
    rows.sort(function (a, b) { if (a[4] === null) return 1; if (b[4] === null) return -1; return dir * (a[4] - b[4]); });
    var lvl = { district: t('districtL'), street: t('streetL'), community: t('communityL'), city: t('cityL') };
    var html = '<div class="tablewrap"><table><thead><tr><th>' + t('area') + '</th><th>' + t('level') + '</th><th>' + t('kind') + '</th><th>' + t('value') + '</th><th>' + t('status') + '</th></tr></thead><tbody>';
    rows.forEach(function (r) {
      html += '<tr class="' + (r[5] === 'pass' || r[5] === 'fail' ? r[5] : '') + '"><td>' + areaName(r[0], r[1]) + '<div class="muted small">' + esc(r[0]) + '</div></td><td>' + esc(lvl[r[2]] || r[2]) + '</td><td>' + esc(t(r[3])) + '</td><td class="num">' + fmt(r[4], x ? x.unit : '') + '</td><td>' + badge(r[5]) + '</td></tr>';
    });
    document.getElementById('area-table').innerHTML = html + '</tbody></table></div>';
  }

  function renewalSection() {
    var c = D.candidates;
    var html = '<section id="renewal"><h2>' + t('renewal') + '</h2><h3>' + t('candidates') + ' (' + c.length + ' / ' + D.meta.renewal_scored + ')</h3>' +
      '<div class="tablewrap"><table><thead><tr><th>#</th><th style="min-width:160px">' + t('area') + '</th><th style="min-width:70px">' + t('kind') + '</th><th style="min-width:90px">' + t('score') + '</th><th style="min-width:80px">' + t('residents') + '</th><th>' + t('reasons') + '</th></tr></thead><tbody>';
    c.forEach(function (x) {
      html += '<tr><td class="num">' + x.rank + '</td><td>' + areaName(x.id, x.name) + '<div class="muted small">' + esc(x.id) + '</div></td><td>' + esc(t(x.kind)) + '</td>' +
        '<td class="num"><span class="score">' + num(x.score, 1) + '</span><br><span class="bar" style="width:' + Math.round(x.score) + 'px"></span></td><td class="num">' + num(x.residents, 0) + '</td>' +
        '<td><ul class="reason">' + (lang === 'zh' ? x.reasons_zh : x.reasons_en).map(function (r) { return '<li>' + esc(r) + '</li>'; }).join('') + '</ul></td></tr>';
    });
    html += '</tbody></table></div><p class="muted small"><b>' + t('candNote') + (lang === 'zh' ? '：' : ':') + '</b> ' + esc(lang === 'zh' && D.meta.renewal_method_zh ? D.meta.renewal_method_zh : D.meta.renewal_method) + '</p>';
    var counts = Object.keys(D.ledger_counts).map(function (k) { var x = D.indicators.filter(function (y) { return y.id === k; })[0]; return '<span><b>' + D.ledger_counts[k] + '</b> ' + esc(x ? nm(x) : k) + '</span>'; }).join('');
    html += '<h3>' + t('ledger') + ' (' + D.ledger_total + ')</h3><div class="counts">' + counts + '</div><div class="tablewrap"><table><thead><tr><th>' + t('area') + '</th><th>' + t('name') + '</th><th>' + t('value') + '</th><th>' + t('target') + '</th><th>' + t('gap') + '</th><th>' + t('evidence') + '</th></tr></thead><tbody>';
    D.ledger.forEach(function (p) {
      html += '<tr class="fail"><td>' + areaName(p.area_id, p.area_name) + '<div class="muted small">' + esc(p.area_id) + '</div></td><td>' + esc(lang === 'zh' ? p.indicator_zh : p.indicator_en) + '</td><td class="num">' + fmt(p.value, p.unit) + '</td><td>' + esc(p.target || '—') + '</td>' +
        '<td class="num">' + (p.gap === null ? '—' : num(p.gap, 3)) + '</td><td class="small">' + esc(lang === 'zh' ? p.evidence_zh : p.evidence_en) + '</td></tr>';
    });
    return html + '</tbody></table></div><p class="muted small">' + (D.ledger_total > D.ledger.length ? t('shown') + ' ' + D.ledger.length + ' ' + t('of') + ' ' + D.ledger_total + '; ' : '') + t('ledgerNote') + '</p></section>';
  }

  function methodSection() {
    var m = D.meta;
    var notes = lang === 'zh' && m.catalogue_notes_zh ? m.catalogue_notes_zh : m.catalogue_notes;
    return '<section id="method"><h2>' + t('method') + '</h2><h3>' + t('units') + '</h3><ul class="notes">' + unitSources().map(function (u) { return '<li><b>' + esc(u[0]) + '</b>: ' + esc(u[1]) + '</li>'; }).join('') + '</ul>' +
      '<h3>' + t('params') + '</h3><p class="small">' + Object.keys(m.params).map(function (k) { return esc(t('p_' + k)) + ' <span class="muted">' + esc(k) + '</span> = ' + esc(m.params[k]) + ' m'; }).join(' · ') + '</p>' +
      '<h3>' + t('catalogue') + '</h3><ul class="notes">' + notes.map(function (n) { return '<li>' + esc(n) + '</li>'; }).join('') + '</ul></section>';
  }

  // ---- charts ----------------------------------------------------------------------------------
  function drawCharts() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    if (typeof echarts === 'undefined') return;
    var font = { fontFamily: getComputedStyle(document.body).fontFamily };
    // horizontal bar charts: every category keeps its label on the left (interval 0), the left margin is the widest label,
    // and the chart grows with the number of bars (ROW px each) so that labels never overlap; SVG, so that the labels are text in the page
    var ROW = 26, LABEL_FONT = 12;
    var measure = document.createElement('canvas').getContext('2d');
    function labelWidth(labels) { measure.font = LABEL_FONT + 'px ' + font.fontFamily; return Math.ceil(labels.reduce(function (w, l) { return Math.max(w, measure.measureText(l).width); }, 0)); }
    function barChart(id, labels, top) {
      var el = document.getElementById(id);
      el.style.height = Math.max(200, top + 34 + ROW * labels.length) + 'px';
      var c = echarts.init(el, null, { renderer: 'svg' });
      charts.push(c);
      return { chart: c, grid: { left: labelWidth(labels) + 16, right: 44, top: top, bottom: 28 },
        yAxis: { type: 'category', data: labels, axisLabel: { interval: 0, fontSize: LABEL_FONT, hideOverlap: false }, axisTick: { alignWithLabel: true } } };
    }
    var levels = ['housing', 'community', 'block', 'city'];
    var sts = ['pass', 'fail', 'no_target', 'no_data'];
    var colors = { pass: '#1b7f4b', fail: '#b42318', no_target: '#d4a017', no_data: '#b8c2cc' };
    var b1 = barChart('ch-status', levels.map(t), 36), c1 = b1.chart;
    c1.setOption({
      textStyle: font, tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: b1.grid,
      xAxis: { type: 'value' }, yAxis: b1.yAxis,
      series: sts.map(function (s) { return { name: t(s), type: 'bar', stack: 'st', itemStyle: { color: colors[s] }, data: levels.map(function (lv) { return D.indicators.filter(function (x) { return x.system_level === lv && x.status === s; }).length; }) }; }),
    });

    var acc = D.access.filter(function (a) { return a.facilities > 0 || true; }).slice().sort(function (a, b) { return within(a) - within(b); });
    function within(a) { var th = a.threshold > 0 ? a.threshold : 1000; var k = th <= 300 ? 300 : th <= 500 ? 500 : 1000; return a.residents_within[k] || 0; }
    var b2 = barChart('ch-access', acc.map(accessLabel), 10), c2 = b2.chart;
    c2.setOption({
      textStyle: font, tooltip: { trigger: 'axis', valueFormatter: function (v) { return v + '%'; } }, grid: b2.grid,
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: b2.yAxis,
      series: [{ type: 'bar', barMaxWidth: 18, data: acc.map(function (a) { var v = Math.round(1000 * within(a)) / 10; return { value: v, itemStyle: { color: covColor(v) } }; }), label: { show: true, position: 'right', formatter: '{c}%', fontSize: 10 } }],
    });

    var lcRows = (D.byArea.living_circle_completeness || []).filter(function (r) { return r[4] !== null && r[2] !== 'community'; });
    if (lcRows.length < 3) lcRows = (D.byArea.living_circle_completeness || []).filter(function (r) { return r[4] !== null; });
    lcRows = lcRows.slice().sort(function (a, b) { return a[4] - b[4]; }).slice(0, 25).reverse();
    var b3 = barChart('ch-lc', lcRows.map(function (r) { return String(r[1] || r[0]).slice(0, 16); }), 10), c3 = b3.chart;
    c3.setOption({
      textStyle: font, tooltip: { trigger: 'axis' }, grid: b3.grid,
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: b3.yAxis,
      series: [{ type: 'bar', barMaxWidth: 18, data: lcRows.map(function (r) { var v = Math.round(1000 * r[4]) / 10; return { value: v, itemStyle: { color: lcColor(v) } }; }), label: { show: true, position: 'right', formatter: '{c}%', fontSize: 10 } }],
    });

    var top = D.candidates.slice(0, 15).reverse();
    var comps = ['services', 'provision', 'ageing', 'parks', 'transit'];
    var compNames = { zh: { services: '生活圈缺口', provision: '配建未达标', ageing: '房龄老化', parks: '公园可达不足', transit: '公交可达不足' }, en: { services: 'service gaps', provision: 'provision failed', ageing: 'ageing housing', parks: 'park access', transit: 'transit access' } };
    var W = D.meta.renewal_weights;
    var b4 = barChart('ch-renewal', top.map(function (c) { return '#' + c.rank + ' ' + String(c.name || c.id).slice(0, 14); }), 36), c4 = b4.chart;
    c4.setOption({
      textStyle: font, tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: b4.grid,
      xAxis: { type: 'value' }, yAxis: b4.yAxis,
      series: comps.map(function (k, i) { return { name: compNames[lang][k], type: 'bar', stack: 's', itemStyle: { color: ['#c2410c', '#b42318', '#7c3aed', '#15803d', '#1d4ed8'][i] }, data: top.map(function (c) { return Math.round(1000 * W[k] * c.components[k]) / 10; }) }; }),
    });
  }
  // the walking-access chart's category label: name and threshold band
  function accessLabel(a) { var th = a.threshold > 0 ? a.threshold : 1000; return (lang === 'zh' ? a.name_zh : a.name_en) + ' ≤' + (th <= 300 ? 300 : th <= 500 ? 500 : 1000) + 'm'; }
  function lcColor(v) { for (var i = 0; i < LC_CLASSES.length; i++) if (v < LC_CLASSES[i][1] || i === LC_CLASSES.length - 1) return LC_CLASSES[i][2]; return '#999'; }

  // ---- maps ------------------------------------------------------------------------------------
  var M = D.map;
  var cosLat = Math.cos(M.lat0 * Math.PI / 180);
  function mapView(canvas) {
    var dpr = window.devicePixelRatio || 1;
    var W = canvas.clientWidth || 600, H = canvas.clientHeight || 420;
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var pad = 14;
    var s = Math.min((W - 2 * pad) / Math.max(1, M.w * cosLat), (H - 2 * pad) / Math.max(1, M.h));
    var ox = (W - M.w * cosLat * s) / 2, oy = (H - M.h * s) / 2;
    return {
      ctx: ctx, W: W, H: H, s: s,
      px: function (x) { return ox + x * cosLat * s; }, py: function (y) { return H - (oy + y * s); },
      ix: function (px) { return (px - ox) / (cosLat * s); }, iy: function (py) { return (H - py - oy) / s; },
    };
  }
  function pathRings(v, rings) {
    var c = v.ctx;
    c.beginPath();
    rings.forEach(function (r) { for (var i = 0; i < r.length; i += 2) { var X = v.px(r[i]), Y = v.py(r[i + 1]); if (i) c.lineTo(X, Y); else c.moveTo(X, Y); } c.closePath(); });
  }
  function drawBase(v, parks) {
    var c = v.ctx;
    c.fillStyle = '#f8f7f2'; c.fillRect(0, 0, v.W, v.H);
    if (parks) { c.fillStyle = '#b7e1b0'; M.parks.forEach(function (rings) { pathRings(v, rings); c.fill('evenodd'); }); }
  }
  function drawEdges(v, color) {
    var c = v.ctx, e = M.edges;
    c.strokeStyle = color || '#b9b9b9'; c.lineWidth = 0.7; c.beginPath();
    for (var i = 0; i < e.length;) { var n = e[i++]; for (var k = 0; k < n; k++, i += 2) { var X = v.px(e[i]), Y = v.py(e[i + 1]); if (k) c.lineTo(X, Y); else c.moveTo(X, Y); } }
    c.stroke();
  }
  function scaleBar(v) {
    var c = v.ctx;
    var mPerPx = 1.1132 / v.s; // map units are 1e-5 degree of latitude ≈ 1.1132 m
    var target = 120 * mPerPx, nice = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000], L = nice[0];
    nice.forEach(function (n) { if (n <= target) L = n; });
    var px = L / mPerPx, x0 = 12, y0 = v.H - 14;
    c.fillStyle = 'rgba(255,255,255,.8)'; c.fillRect(x0 - 4, y0 - 16, px + 50, 22);
    c.strokeStyle = '#222'; c.lineWidth = 2; c.beginPath(); c.moveTo(x0, y0 - 4); c.lineTo(x0, y0); c.lineTo(x0 + px, y0); c.lineTo(x0 + px, y0 - 4); c.stroke();
    c.fillStyle = '#222'; c.font = '11px sans-serif'; c.fillText(L >= 1000 ? (L / 1000) + ' km' : L + ' m', x0 + px + 6, y0);
    c.beginPath(); c.moveTo(v.W - 18, 12); c.lineTo(v.W - 24, 28); c.lineTo(v.W - 12, 28); c.closePath(); c.fill(); c.fillText('N', v.W - 22, 40);
    if (D.meta.attribution) {
      c.font = '11px sans-serif';
      var tw = c.measureText(D.meta.attribution).width;
      c.fillStyle = 'rgba(255,255,255,.85)'; c.fillRect(v.W - tw - 12, v.H - 18, tw + 10, 16);
      c.fillStyle = '#333'; c.fillText(D.meta.attribution, v.W - tw - 7, v.H - 6);
    }
  }
  function inRings(x, y, rings) {
    var inside = false;
    rings.forEach(function (r) { for (var i = 0, j = r.length - 2; i < r.length; j = i, i += 2) { var xi = r[i], yi = r[i + 1], xj = r[j], yj = r[j + 1]; if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside; } });
    return inside;
  }
  function hover(canvas, v, list, text) {
    var tip = canvas.parentNode.querySelector('.tip');
    if (!tip) return;
    canvas.onmousemove = function (ev) {
      var rect = canvas.getBoundingClientRect();
      var x = v.ix(ev.clientX - rect.left), y = v.iy(ev.clientY - rect.top);
      var hit = null;
      for (var i = 0; i < list.length && !hit; i++) if (inRings(x, y, list[i].rings)) hit = list[i];
      if (!hit) { tip.style.display = 'none'; return; }
      tip.innerHTML = text(hit); tip.style.display = 'block';
      tip.style.left = Math.min(ev.clientX - rect.left + 12, rect.width - 200) + 'px'; tip.style.top = (ev.clientY - rect.top + 40) + 'px';
    };
    canvas.onmouseleave = function () { tip.style.display = 'none'; };
  }
  function drawCoverage() {
    var canvas = document.getElementById('map-cov');
    var v = mapView(canvas), c = v.ctx, b = M.buildings;
    var layer = document.getElementById('cov-layer').value;
    drawBase(v, true); drawEdges(v);
    var flag = b[layer];
    // many buildings: small squares, the unserved drawn last so that the gaps show
    var many = b.x.length > 5000;
    var r = many ? 1.1 : Math.max(1.6, Math.min(3.5, 1.5 + 400 / Math.sqrt(b.x.length + 1)));
    [1, 0].forEach(function (pass) {
      c.fillStyle = pass ? '#1b9e5a' : '#d7301f';
      c.beginPath();
      for (var i = 0; i < b.x.length; i++) if (flag[i] === pass) {
        var X = v.px(b.x[i]), Y = v.py(b.y[i]);
        if (many) c.rect(X - r, Y - r, 2 * r, 2 * r); else { c.moveTo(X + r, Y); c.arc(X, Y, r, 0, 6.2832); }
      }
      c.fill();
    });
    scaleBar(v);
  }
  function commLabel(x) { return '<b>' + esc(x.name || x.id) + '</b><br>' + esc(t(x.kind)) + ' · ' + t('residents') + ' ' + num(x.residents, 0); }
  function drawGaps() {
    var canvas = document.getElementById('map-gap');
    var v = mapView(canvas), c = v.ctx;
    drawBase(v, true); drawEdges(v, '#cfcfcf');
    var units = M.communities;
    var col = ['#d9efdf', '#fdd49e', '#fc8d59', '#d7301f'];
    var thin = units.length > 2000;
    units.forEach(function (x) { pathRings(v, x.rings); c.fillStyle = col[Math.min(3, x.fails.length)]; c.fill('evenodd'); if (!thin) { c.strokeStyle = '#8a8a8a'; c.lineWidth = 0.5; c.stroke(); } });
    if (!units.length) { c.fillStyle = '#666'; c.font = '13px sans-serif'; c.fillText(t('noPoly'), 20, 30); }
    c.font = 'bold 11px sans-serif';
    D.candidates.slice(0, 20).forEach(function (k) {
      var X = v.px(k.x), Y = v.py(k.y);
      c.beginPath(); c.arc(X, Y, 9, 0, 6.2832); c.fillStyle = '#fff'; c.fill(); c.strokeStyle = '#1d4ed8'; c.lineWidth = 2; c.stroke();
      c.fillStyle = '#1d4ed8'; c.textAlign = 'center'; c.textBaseline = 'middle'; c.fillText(String(k.rank), X, Y + 0.5);
    });
    c.textAlign = 'left'; c.textBaseline = 'alphabetic';
    scaleBar(v);
    hover(canvas, v, units, function (x) { return commLabel(x) + '<br>' + t('fails') + ': ' + x.fails.length + (x.fails.length ? ' (' + x.fails.map(function (f) { var y = D.indicators.filter(function (z) { return z.id === f; })[0]; return esc(y ? nm(y) : f); }).join('; ') + ')' : ''); });
  }
  function drawLc() {
    var canvas = document.getElementById('map-lc');
    var v = mapView(canvas), c = v.ctx;
    drawBase(v, false); drawEdges(v, '#d0d0d0');
    var units = M.communities.filter(function (x) { return x.community; });
    var thin = units.length > 2000;
    units.forEach(function (x) { pathRings(v, x.rings); c.fillStyle = x.lc === null ? '#e5e5e5' : lcColor(100 * x.lc); c.globalAlpha = 0.85; c.fill('evenodd'); c.globalAlpha = 1; if (!thin) { c.strokeStyle = '#666'; c.lineWidth = 0.6; c.stroke(); } });
    if (!units.length) { c.fillStyle = '#666'; c.font = '13px sans-serif'; c.fillText(t('noPoly'), 20, 30); }
    scaleBar(v);
    hover(canvas, v, units, function (x) { return commLabel(x) + '<br>' + esc(nm(D.indicators.filter(function (z) { return z.id === 'living_circle_completeness'; })[0] || { name_zh: '', name_en: '' })) + ': ' + fmt(x.lc, 'ratio'); });
  }
  function drawMaps() { drawCoverage(); drawGaps(); drawLc(); }

  // ---- render ----------------------------------------------------------------------------------
  function render() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title') + ' · ' + D.meta.city;
    var app = document.getElementById('app');
    app.innerHTML = header() + '<main>' + qualitySection() + overview() + chartsSection() + mapsSection() + levelTables() + areasSection() + renewalSection() + methodSection() + '</main>' +
      '<footer>OpenCIM · opencim-check/1 · ' + esc(D.meta.attribution || '') + '</footer>';
    Array.prototype.forEach.call(document.querySelectorAll('.lang button'), function (b) {
      b.onclick = function () { lang = b.getAttribute('data-lang'); history.replaceState(null, '', '#lang=' + lang); render(); };
    });
    var sel = document.getElementById('area-ind');
    if (sel) {
      if (D.byArea.park_service_coverage) sel.value = 'park_service_coverage';
      sel.onchange = function () { renderAreaTable(sel.value); };
      renderAreaTable(sel.value);
    }
    document.getElementById('cov-layer').onchange = drawCoverage;
    drawCharts();
    drawMaps();
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); drawMaps(); });
  render();
})();
