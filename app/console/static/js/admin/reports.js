// Reports for a period: totals, three SVG charts described in words for screen readers, and
// tables of what the FAQ suggestions and the satisfaction surveys did.
import { get, query } from "../api.js";
import { ErrorMessage, Form, html, Loading, useLoad, useState } from "../ui.js";
import { fields } from "./common.js";

const DAY = 864e5;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const round = (n) => (n === null ? "none" : Math.round(n * 10) / 10);
const minutes = (n) => (n === null ? "none" : `${Math.round(n)} min`);
const percent = (n) => (n === null ? "none" : `${round(n)}%`);

// Figures of one block: [label, value] rows under a caption.
const Table = ({ caption, rows }) => html`<table class="figures"><caption>${caption}</caption><tbody>
  ${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;

// One bar per series in each group; the scale's top is `most` rounded up to an even number.
function Bars({ id, title, desc, groups, series = [], most, unit = "" }) {
  const max = Math.ceil(most / 2) * 2, W = 640, H = 220, left = 44, slot = (W - left) / groups.length;
  const bar = (slot * 0.8) / (series.length || 1), step = Math.ceil(groups.length / 7);
  const y = (v) => 10 + (H - 40) * (1 - (v || 0) / max);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby=${`${id}-t`} aria-describedby=${`${id}-d`}>
      <title id=${`${id}-t`}>${title}</title><desc id=${`${id}-d`}>${desc}</desc>
      ${[0, max / 2, max].map((v) => html`<line class="grid" x1=${left} x2=${W} y1=${y(v)} y2=${y(v)} />
        <text class="axis" x=${left - 6} y=${y(v) + 4} text-anchor="end">${v}${unit}</text>`)}
      ${groups.map((g, i) => html`${g.values.map((v, s) => html`<rect class=${`bar s${s}`}
          x=${left + (i + 0.1) * slot + s * bar} y=${y(v)} width=${bar} height=${y(0) - y(v)} />`)}
        ${i % step === 0 && html`<text class="axis" x=${left + (i + 0.5) * slot} y=${H - 8} text-anchor="middle">${g.label}</text>`}`)}
    </svg>
    <figcaption>${title}${series.map((name, s) => html` <span><svg width="12" height="12" aria-hidden="true">
      <rect class=${`bar s${s}`} width="12" height="12" /></svg> ${name}</span>`)}</figcaption>
  </figure>`;
}

function Charts({ report: { totals, groups, deflection: d, surveys: s } }) {
  const { sla, csat } = totals;
  const active = groups.filter((g) => g.created || g.resolved);
  const ratings = [1, 2, 3, 4, 5].map((r) => ({ label: `${r} of 5`, values: [csat.distribution[r] || 0] }));
  const met = (p, n) => (p === null ? "no ticket counted" : `${round(p)}% of ${n}`);
  return html`<dl class="totals">${[["Created", totals.created], ["Resolved", totals.resolved],
      ["Open at the end", totals.backlog],
      ["Median resolution", minutes(totals.resolution.median_minutes)],
      ["CSAT average", `${round(csat.average)} (${csat.responses} ratings)`]]
      .map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
    <${Bars} id="per-day" title="Tickets created and resolved per day" series=${["Created", "Resolved"]}
      groups=${groups.map((g) => ({ label: g.key.slice(5), values: [g.created, g.resolved] }))}
      most=${Math.max(1, ...groups.flatMap((g) => [g.created, g.resolved]))}
      desc=${active.map((g) => `${g.key}: ${g.created} created, ${g.resolved} resolved`).join("; ") || "None."} />
    <div class="pair">
      <${Bars} id="sla" title="SLA attainment" most=${100} unit="%"
        groups=${[{ label: "First response", values: [sla.first_response_met_percent] },
          { label: "Resolution", values: [sla.resolution_met_percent] }]}
        desc=${`First response met: ${met(sla.first_response_met_percent, sla.first_response_counted)}; `
          + `resolution met: ${met(sla.resolution_met_percent, sla.resolution_counted)}.`} />
      <${Bars} id="csat" title="Customer satisfaction ratings" groups=${ratings}
        most=${Math.max(1, ...ratings.map((r) => r.values[0]))}
        desc=${ratings.map((r) => `${r.label}: ${r.values[0]}`).join("; ")} />
    </div>
    <div class="pair">
      <${Table} caption="FAQ suggestions on the new-ticket form" rows=${[["Forms shown suggestions", d.suggestions_shown],
        ["Answers opened", d.answers_opened], ["Marked helpful", d.marked_helpful],
        ["Tickets still created after a suggestion", d.tickets_created_after_suggestion]]} />
      <${Table} caption="Satisfaction surveys" rows=${[["Sent", s.sent], ["Answered", s.answered],
        ["Response rate", percent(s.response_rate_percent)], ["Resolutions rated", s.rated],
        ["Average rating", round(s.average)]]} />
    </div>`;
}

export default function Reports() {
  const [period, setPeriod] = useState({ from: isoDay(Date.now() - 29 * DAY), to: isoDay(Date.now()) });
  const [draft, setDraft] = useState(period);
  // "to" is included here and excluded by the API: the day after it.
  const report = useLoad(() => get(`/api/admin/reports/overview/${query({ from: period.from, group_by: "day",
    to: period.to && isoDay(Date.parse(period.to) + DAY) })}`), [period.from, period.to]);
  const field = fields(draft, setDraft, report.error);
  return html`<${Form} class="toolbar" aria-label="Period" onSubmit=${() => setPeriod(draft)}>
      ${field("from", "From", { type: "date" })}${field("to", "To (included)", { type: "date" })}<button type="submit">Show</button>
    </${Form}>
    <${ErrorMessage} error=${report.error} shown=${["from", "to"]} />
    ${report.data ? html`<${Charts} report=${report.data} />` : report.loading && html`<${Loading} />`}`;
}
