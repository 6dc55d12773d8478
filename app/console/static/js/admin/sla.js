// The SLA policy (GET|PUT /api/admin/sla-policy/): targets per priority in minutes, and the
// business calendar (time zone, opening hours per weekday, holidays). Empty hours on every
// day: around the clock.
import { get, put } from "../api.js";
import { ErrorMessage, Field, Form, html, Loading, PRIORITIES, useAction, useEffect, useLoad, useState } from "../ui.js";
import { under } from "./common.js";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const KINDS = [["first_response_minutes", "first response"], ["resolution_minutes", "resolution"]];
const NAMES = [
  ...PRIORITIES.flatMap((p) => KINDS.map(([k]) => `targets.${p}.${k}`)),
  "calendar.timezone", "calendar.holidays", ...DAYS.map((d) => `calendar.hours.${d}`),
];

// The policy as form values (all strings, keyed by field name), and back.
function toValues(policy) {
  const values = { "calendar.timezone": policy.calendar.timezone,
    "calendar.holidays": policy.calendar.holidays.join(", ") };
  for (const p of PRIORITIES) for (const [k] of KINDS) values[`targets.${p}.${k}`] = String(policy.targets[p][k]);
  for (const d of DAYS) values[`calendar.hours.${d}`] = (policy.calendar.hours[d] || []).map((s) => s.join("-")).join(", ");
  return values;
}

const list = (text) => text.split(/[\s,]+/).filter(Boolean);
const number = (text) => (/^\d+$/.test(text.trim()) ? Number(text) : text);

function toPolicy(values) {
  const targets = Object.fromEntries(PRIORITIES.map((p) => [p, Object.fromEntries(
    KINDS.map(([k]) => [k, number(values[`targets.${p}.${k}`])]))]));
  const hours = {};
  for (const d of DAYS) {
    const spans = list(values[`calendar.hours.${d}`]).map((span) => span.split("-"));
    if (spans.length) hours[d] = spans;
  }
  return { targets, calendar: { timezone: values["calendar.timezone"].trim(), hours,
    holidays: list(values["calendar.holidays"]) } };
}

export default function SlaPolicy() {
  const policy = useLoad(() => get("/api/admin/sla-policy/"), []);
  const [values, setValues] = useState(null);
  const [saved, setSaved] = useState("");
  useEffect(() => { if (policy.data) setValues(toValues(policy.data)); }, [policy.data]);
  const [save, busy, failure] = useAction(async () => {
    setSaved("");
    const answer = await put("/api/admin/sla-policy/", toPolicy(values));
    setValues(toValues(answer.policy));
    setSaved(`Saved. ${answer.policy.applies_to}.`);
  });
  if (!values) return policy.loading ? html`<${Loading} />` : html`<${ErrorMessage} error=${policy.error} />`;
  const error = under(failure, NAMES);
  const field = (name, label, more = {}) => html`<${Field} label=${label} name=${name} error=${error}
    value=${values[name]} onInput=${(e) => setValues({ ...values, [name]: e.target.value })} ...${more} />`;
  return html`<${Form} onSubmit=${save} aria-label="SLA policy">
    ${PRIORITIES.map((p) => html`<fieldset><legend>${p} priority</legend>
      ${KINDS.map(([k, words]) => field(`targets.${p}.${k}`, `${p}: ${words} (minutes)`, { inputmode: "numeric" }))}
    </fieldset>`)}
    <fieldset><legend>Business calendar</legend>
      ${field("calendar.timezone", "Time zone", { hint: "An IANA name, e.g. Europe/Paris or UTC" })}
      <p class="hint">Opening hours as 09:00-18:00 (several with commas); leave every day empty for around the clock.</p>
      ${DAYS.map((d) => field(`calendar.hours.${d}`, `${d[0].toUpperCase()}${d.slice(1)} hours`))}
      ${field("calendar.holidays", "Holidays", { hint: "Dates as 2026-12-25, separated by commas" })}
    </fieldset>
    <${ErrorMessage} error=${error} shown=${NAMES} />
    ${saved && html`<p class="success" role="status">${saved}</p>`}
    <button type="submit" disabled=${busy}>Save policy</button>
  </${Form}>`;
}
