// Webhooks: add one (its secret shown once), send a test event, follow its deliveries, retry.
import { post } from "../api.js";
import { announce, ErrorMessage, Form, html, useAction, useEffect, useState, When } from "../ui.js";
import { fields, Rows, under, usePaged } from "./common.js";

const NAMES = ["url", "event_types", "description"];
const EMPTY = { url: "", event_types: "", description: "" };

function Create({ onCreated }) {
  const [values, setValues] = useState(EMPTY);
  const [secret, setSecret] = useState("");
  const [create, busy, failure] = useAction(async () => {
    const answer = await post("/api/admin/webhooks/", { ...values, url: values.url.trim(),
      event_types: values.event_types.split(/[\s,]+/).filter(Boolean) });
    setSecret(answer.secret);
    setValues(EMPTY);
    onCreated();
  });
  const error = under(failure, NAMES);
  const field = fields(values, setValues, error);
  return html`<${Form} onSubmit=${create} aria-label="Add a webhook">
    ${field("url", "URL", { hint: "https, on a public address" })}
    ${field("event_types", "Event types (optional)", { hint: "e.g. ticket.created, reply.created; none: all" })}
    ${field("description", "Description (optional)")}
    <${ErrorMessage} error=${error} shown=${NAMES} />
    ${secret && html`<div class="success" role="status">Webhook added. Its signing secret, shown only now:
      <code>${secret}</code></div>`}
    <button type="submit" disabled=${busy}>Add webhook</button>
  </${Form}>`;
}

function Delivery({ path, delivery: d, onRetried }) {
  const [queued, setQueued] = useState(false);
  const [retry, busy, error] = useAction(async () => {
    await post(`${path}${d.id}/retry/`);
    setQueued(true);
    onRetried();
  });
  const last = d.attempts[d.attempts.length - 1];
  return html`<li><p class="title">${d.event_type} <span class="badge">${d.status}</span></p>
    <div class="meta"><span>${d.attempt_count} attempt(s)</span>
      ${last && html`<span>Last: ${last.status_code || last.error}</span>`}
      ${d.next_attempt_at && html`<span>Next <${When} at=${d.next_attempt_at} /></span>`}</div>
    ${d.status !== "delivered" && html`<div class="actions"><button type="button" class="secondary"
      onClick=${retry} disabled=${busy}>Retry ${d.event_type}</button>
      ${queued && html`<span role="status">Queued again</span>`}</div>`}
    <${ErrorMessage} error=${error} />
  </li>`;
}

function Deliveries({ hook }) {
  const path = `/api/admin/webhooks/${hook.id}/deliveries/`;
  const list = usePaged(path, "deliveries");
  const found = list.items || [];
  // Made and attempted in the background: look again while one may still change.
  useEffect(() => {
    if (found.length && found.every((d) => d.status !== "pending")) return undefined;
    const timer = setTimeout(list.reload, 3000);
    return () => clearTimeout(timer);
  }, [list.data, list.error]);
  return html`<${Rows} list=${list} label="Deliveries" empty="No deliveries yet."
    row=${(d) => html`<${Delivery} key=${d.id} path=${path} delivery=${d} onRetried=${list.reload} />`} />`;
}

function Hook({ hook }) {
  const [open, setOpen] = useState(false);
  const [test, busy, error] = useAction(async () => {
    await post(`/api/admin/webhooks/${hook.id}/test/`);
    announce("Test event sent");
  });
  return html`<li><p class="title">${hook.url} ${!hook.enabled && html`<span class="badge off">disabled</span>`}</p>
    <div class="meta"><span>${hook.event_types.join(", ") || "every event"}</span><span>${hook.description}</span></div>
    <div class="actions"><button type="button" class="secondary" onClick=${test} disabled=${busy}>Send test event</button>
      <button type="button" class="secondary" aria-expanded=${open} onClick=${() => setOpen(!open)}>Deliveries</button></div>
    <${ErrorMessage} error=${error} />
    ${open && html`<${Deliveries} hook=${hook} />`}
  </li>`;
}

export default function Webhooks() {
  const hooks = usePaged("/api/admin/webhooks/", "webhooks");
  return html`<h2>Add a webhook</h2><${Create} onCreated=${hooks.reload} />
    <h2>Webhooks</h2><${Rows} list=${hooks} label="Webhooks" empty="None yet."
      row=${(h) => html`<${Hook} key=${h.id} hook=${h} />`} />`;
}
