import { USES } from './params.js';
import type { CarbonResult } from './run.js';

/**
 * carbon.html: the inventory's report section, one self-contained page (no script, opens
 * offline): totals and how much is estimated, the zone, grid and factors, the figures per
 * district (or street), per use, the retrofit list with its assumption, and the parameter
 * tables' versions and sources. Chinese first, English beside.
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f0 = (v: number) => Math.round(v).toLocaleString('en');
const f1 = (v: number | null) => (v === null ? '–' : (Math.round(v * 10) / 10).toLocaleString('en'));
const t = (kg: number) => f1(kg / 1000);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const USE_ZH: Record<string, string> = { residential: '居住', office: '办公', retail: '商业', education: '教育', health: '医疗', hotel: '酒店', industrial: '工业仓储', other: '其他' };

function tableHtml(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? f0(c) : esc(String(c))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function carbonReportHtml(r: CarbonResult, o: { source: string; runId: number | null; attribution?: string }): string {
  const s = r.summary, p = r.params, z = r.zone;
  const lv = r.aggregates.levels.district.length ? 'district' : 'street';
  const areas = [...r.aggregates.levels[lv]].sort((a, b) => b.co2e_kg - a.co2e_kg);
  const byUse = USES.map((u, k) => {
    let n = 0, fl = 0, co = 0;
    const b = r.energyCity.buildings, inv = r.inventory;
    for (let i = 0; i < inv.count; i++) if (b.use[i] === k) { n++; fl += inv.floor[i]; co += inv.co2e[i]; }
    return [`${USE_ZH[u]} ${u}`, n, f0(fl), t(co), f1(fl > 0 ? co / fl : null)];
  }).filter((row) => row[1] !== 0);
  const estShare = s.co2e_kg > 0 ? s.co2e_estimated_kg / s.co2e_kg : 1;
  const body = [
    `<h1>建筑能耗与碳排放清单 Building energy and carbon inventory · ${esc(r.city)}</h1>`,
    `<p class="meta">${esc(o.source)} · ${esc(r.generated_at)}${o.runId !== null ? ` · run ${o.runId}` : ''}${o.attribution ? ` · ${esc(o.attribution)}` : ''}</p>`,
    `<div class="cards"><div><b>${t(s.co2e_kg)} t</b>运行碳排放 operational CO2e / 年 year</div><div><b>${f1(s.co2e_kg_per_m2)}</b>kgCO2e/m²</div>` +
    `<div><b>${f0(s.floor_area_m2)} m²</b>建筑面积 floor area</div><div><b>${pct(estShare)}</b>估算值 estimated (${s.estimated_buildings} / ${s.buildings} 栋 buildings)</div></div>`,
    `<p class="warn">估算值来自参数表（每项注明来源，标注为估算）；计量数据优先。Estimates come from the parameter tables (each value cites its source and is labelled an estimate); metered data take precedence.</p>`,
    `<h2>气候区与排放因子 Climate zone and factors</h2>`,
    `<p>${esc(p.zones.zones[z.zone].name_zh)} ${z.zone} · ${esc(p.factors.grids[z.grid].name_zh)}电网 ${z.grid} grid: ${r.inventory.factors.electricity} kgCO2/kWh (${esc(p.factors.grids[z.grid].source)}); ` +
    `天然气 gas ${r.inventory.factors.gas} kgCO2/m³ (estimate); 热力 heat ${r.inventory.factors.heat} kgCO2/GJ (estimate). ${esc(z.method)}</p>`,
    `<h2>按${lv === 'district' ? '区' : '街道'} By ${lv}</h2>`,
    tableHtml(['单元 unit', '建筑 buildings', '计量 metered', '建筑面积 m²', 'CO2e t', 'kgCO2e/m²', 'kgCO2e/人 per resident'],
      areas.map((a) => [a.name ?? a.area_id, a.buildings, a.metered_buildings, f0(a.floor_area_m2), t(a.co2e_kg), f1(a.co2e_kg_per_m2), f1(a.co2e_kg_per_resident)])),
    `<h2>按用途 By use</h2>`,
    tableHtml(['用途 use', '建筑 buildings', '建筑面积 m²', 'CO2e t', 'kgCO2e/m²'], byUse),
    `<p>建筑面积依据 floor-area basis: 层数 levels ${s.floor_area_basis.levels}, 高度 height ${s.floor_area_basis.height}, 默认 default ${s.floor_area_basis.default}; ` +
    `用途来源 use from: ${Object.entries(s.use_from).map(([k, v]) => `${k} ${v}`).join(', ')}</p>`,
    ...(r.green ? [`<h2>绿色建筑 Green buildings</h2><p>新建建筑中绿色建筑占比 share of new floor area: ${r.green.new_share === null ? '–' : pct(r.green.new_share)}; 存量 stock ${pct(r.green.stock_share)}; ${esc(r.green.method)}</p>`] : []),
    `<h2>节能改造候选 Retrofit candidates</h2>`,
    `<p>${esc(p.eui.retrofit.assumption_zh)}<br>${esc(p.eui.retrofit.assumption_en)} (${esc(p.eui.retrofit.source)})</p>`,
    `<p>${r.retrofit.eligible} 栋可改造 eligible buildings, 年减碳潜力 potential ${t(r.retrofit.saved_co2e_kg)} t CO2e; 前 top 20:</p>`,
    tableHtml(['#', '建筑 building', '用途 use', '年代 era', 'm²', 'kWh/m²', 'CO2e t', '节省 saved t', '依据 basis'],
      r.retrofit.candidates.slice(0, 20).map((c) => [c.rank, c.building_id, c.use, c.era, f0(c.floor_area_m2), f1(c.eui_kwh_m2), t(c.co2e_kg), t(c.saved_co2e_kg), c.basis])),
    `<h2>参数表 Parameter tables</h2>`,
    `<ul><li>eui-${esc(p.eui.version)}: ${esc(p.eui.title_zh)} — ${esc(p.eui.notes[1])}</li><li>factors-${esc(p.factors.version)}: ${esc(p.factors.title_zh)}</li><li>zones-${esc(p.zones.version)}: ${esc(p.zones.title_zh)}</li></ul>`,
  ];
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="OpenCIM ${r.engine}"><title>建筑碳排放 · ${esc(r.city)}</title>
<style>body{font:14px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.cards{display:flex;gap:12px;flex-wrap:wrap}.cards div{border:1px solid #ddd;border-radius:6px;padding:8px 12px}.cards b{display:block;font-size:20px}
.meta{color:#666}.warn{background:#fff6e0;padding:6px 10px;border-radius:4px}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
