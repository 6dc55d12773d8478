// The SLA policy: targets per priority, and the business calendar.
import { get, put } from "../api.js";
import { ErrorMessage, Form, html, Loading, PRIORITIES, useAction, useEffect, useLoad, useState } from "../ui.js";
import { fields, under } from "./common.js";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const KINDS = [["first_response_minutes", "first response"], ["resolution_minutes", "resolution"]];
const TARGETS = PRIORITIES.flatMap((p) => KINDS.map(([k]) => `targets.${p}.${k}`));
const ZONE = "calendar.timezone", HOLIDAYS = "calendar.holidays", HOURS = DAYS.map((d) => `calendar.hours.${d}`);
const NAMES = [...TARGETS, ZONE, HOLIDAYS, ...HOURS];
const words = (text) => text.split(/[\s,]+/).filter(Boolean);
const pick = (object, path) => path.split(".").reduce((o, k) => o && o[k], object);

// The policy as form values (strings keyed by field name), and back.
function toValues(policy) {
  const values = { [ZONE]: policy.calendar.timezone, [HOLIDAYS]: policy.calendar.holidays.join(", ") };
  for (const name of TARGETS) values[name] = String(pick(policy, name));
  for (const name of HOURS) values[name] = (pick(policy, name) || []).map((s) => s.join("-")).join(", ");
  return values;
}

function toPolicy(values) {
  const minutes = (name) => (/^\d+$/.test(values[name].trim()) ? Number(values[name]) : values[name]);
  const targets = Object.fromEntries(PRIORITIES.map((p) => [p, Object.fromEntries(
    KINDS.map(([k]) => [k, minutes(`targets.${p}.${k}`)]))]));
  const hours = {};
  DAYS.forEach((d, i) => {
    const spans = words(values[HOURS[i]]).map((span) => span.split("-"));
    if (spans.length) hours[d] = spans;
  });
  return { targets, calendar: { timezone: values[ZONE].trim(), hours, holidays: words(values[HOLIDAYS]) } };
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
  const field = fields(values, setValues, error);
  return html`<${Form} onSubmit=${save} aria-label="SLA policy">
    ${PRIORITIES.map((p) => html`<fieldset><legend>${p} priority</legend>
      ${KINDS.map(([k, kind]) => field(`targets.${p}.${k}`, `${p}: ${kind} (minutes)`, { inputmode: "numeric" }))}
    </fieldset>`)}
    <fieldset><legend>Business calendar</legend>
      ${field(ZONE, "Time zone", { hint: "An IANA name, e.g. Europe/Paris" })}
      <p class="hint">Opening hours like 09:00-18:00, several with commas; none on any day: around the clock.</p>
      ${DAYS.map((d, i) => field(HOURS[i], `${d[0].toUpperCase()}${d.slice(1)} hours`))}
      ${field(HOLIDAYS, "Holidays", { hint: "Dates like 2026-12-25, with commas" })}
    </fieldset>
    <${ErrorMessage} error=${error} shown=${NAMES} />
    ${saved && html`<p class="success" role="status">${saved}</p>`}
    <button type="submit" disabled=${busy}>Save policy</button>
  </${Form}>`;
}
