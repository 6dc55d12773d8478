// Reports (GET /api/admin/reports/overview/?group_by=day) for a period: the totals, and three
// charts drawn here in SVG, each with its figures in words as its accessible description:
// created and resolved per day, SLA attainment, CSAT distribution. The same as CSV on demand.
import { query, request } from "../api.js";
import { ErrorMessage, Field, Form, html, Loading, useAction, useLoad, useState } from "../ui.js";

const DAY = 86400000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const round = (n) => (n === null || n === undefined ? "none" : Math.round(n * 10) / 10);

// Bars for each group (x), one per series; max is the top of the scale.
function Bars({ id, title, desc, groups, series, max, unit = "" }) {
  const W = 640, H = 220, left = 44, top = 10, bottom = 30;
  const slot = (W - left) / groups.length;
  const bar = (slot * 0.8) / series.length;
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  const step = Math.ceil(groups.length / 7);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby=${`${id}-title ${id}-desc`}>
      <title id=${`${id}-title`}>${title}</title><desc id=${`${id}-desc`}>${desc}</desc>
      ${[0, max / 2, max].map((v) => html`<line class="grid" x1=${left} x2=${W} y1=${y(v)} y2=${y(v)} />
        <text class="axis" x=${left - 6} y=${y(v) + 4} text-anchor="end">${round(v)}${unit}</text>`)}
      ${groups.map((g, i) => html`${g.values.map((v, s) => html`<rect class=${`bar s${s}`}
          x=${left + i * slot + slot * 0.1 + s * bar} y=${y(v || 0)} width=${bar} height=${y(0) - y(v || 0)} />`)}
        ${i % step === 0 && html`<text class="axis" x=${left + i * slot + slot / 2} y=${H - 8}
          text-anchor="middle">${g.label}</text>`}`)}
    </svg>
    <figcaption>${title}${series.length > 1 && series.map((name, s) => html` <span class="key">
      <svg width="12" height="12" aria-hidden="true"><rect class=${`bar s${s}`} width="12" height="12" /></svg>
      ${name}</span>`)}</figcaption>
  </figure>`;
}

function Charts({ report }) {
  const { totals, groups } = report;
  const days = groups.map((g) => ({ label: g.key.slice(5), values: [g.created, g.resolved] }));
  const busiest = Math.max(1, ...days.flatMap((d) => d.values));
  const active = groups.filter((g) => g.created || g.resolved);
  const { sla, csat } = totals;
  const ratings = ["1", "2", "3", "4", "5"].map((r) => ({ label: `${r} of 5`, values: [csat.distribution[r] || 0] }));
  const percent = (p, counted) => (p === null ? "no ticket counted" : `${round(p)}% of ${counted}`);
  return html`<dl class="totals">
      ${[["Created", totals.created], ["Resolved", totals.resolved], ["Reopened", totals.reopened],
        ["Open at the end", totals.backlog],
        ["Median first response", `${round(totals.first_response.median_minutes)} min`],
        ["Median resolution", `${round(totals.resolution.median_minutes)} min`],
        ["CSAT average", `${round(csat.average)} (${csat.responses} ratings)`]]
        .map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}
    </dl>
    <${Bars} id="per-day" title="Tickets created and resolved per day" series=${["Created", "Resolved"]}
      groups=${days} max=${busiest} desc=${active.length === 0 ? "No ticket created or resolved in the period."
        : active.map((g) => `${g.key}: ${g.created} created, ${g.resolved} resolved`).join("; ")} />
    <${Bars} id="sla" title="SLA attainment" series=${["Met"]} max=${100} unit="%"
      groups=${[{ label: "First response", values: [sla.first_response_met_percent] },
        { label: "Resolution", values: [sla.resolution_met_percent] }]}
      desc=${`First response met: ${percent(sla.first_response_met_percent, sla.first_response_counted)}. `
        + `Resolution met: ${percent(sla.resolution_met_percent, sla.resolution_counted)}.`} />
    <${Bars} id="csat" title="Customer satisfaction ratings" series=${["Ratings"]} groups=${ratings}
      max=${Math.max(1, ...ratings.map((r) => r.values[0]))}
      desc=${ratings.map((r) => `${r.label}: ${r.values[0]}`).join("; ")} />`;
}

export default function Reports() {
  const today = Date.now();
  const [period, setPeriod] = useState({ from: isoDay(today - 29 * DAY), to: isoDay(today) });
  const [draft, setDraft] = useState(period);
  // "to" is inclusive here and exclusive in the API: the day after it.
  const path = () => `/api/admin/reports/overview/${query({ from: period.from, group_by: "day",
    to: period.to && isoDay(Date.parse(period.to) + DAY) })}`;
  const report = useLoad(() => request("GET", path()).then((r) => r.data), [period.from, period.to]);
  const [csv, busy, csvError] = useAction(async () => {
    const { data } = await request("GET", `${path()}&format=csv`, { blob: true });
    const url = URL.createObjectURL(data);
    Object.assign(document.createElement("a"), { href: url, download: `report-${period.from}.csv` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  const field = (name, label) => html`<${Field} label=${label} name=${name} type="date" value=${draft[name]}
    error=${report.error} onInput=${(e) => setDraft({ ...draft, [name]: e.target.value })} />`;
  return html`<${Form} class="toolbar" aria-label="Period" onSubmit=${() => setPeriod(draft)}>
      ${field("from", "From")}${field("to", "To (included)")}
      <button type="submit">Show</button>
      <button type="button" class="secondary" onClick=${csv} disabled=${busy}>Download CSV</button>
    </${Form}>
    <${ErrorMessage} error=${report.error || csvError} shown=${["from", "to"]} />
    ${report.data ? html`<${Charts} report=${report.data} />` : report.loading && html`<${Loading} what="Computing the report" />`}`;
}
