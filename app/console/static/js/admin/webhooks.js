// Webhooks (/api/admin/webhooks/): register one (its secret shown once), send a test event,
// enable a disabled one, and read a webhook's deliveries with their attempts; retry one.
import { get, patch, post } from "../api.js";
import { announce, ErrorMessage, Field, Form, html, Loading, useAction, useEffect, useLoad, useState, When } from "../ui.js";
import { under } from "./common.js";

function Create({ onCreated }) {
  const [values, setValues] = useState({ url: "", event_types: "", description: "" });
  const [secret, setSecret] = useState(null);
  const [create, busy, failure] = useAction(async () => {
    const answer = await post("/api/admin/webhooks/", { url: values.url.trim(), description: values.description,
      event_types: values.event_types.split(/[\s,]+/).filter(Boolean) });
    setSecret(answer.secret);
    setValues({ url: "", event_types: "", description: "" });
    onCreated();
  });
  const names = ["url", "event_types", "description"];
  const error = under(failure, names);
  const field = (name, label, hint) => html`<${Field} label=${label} name=${name} hint=${hint} error=${error}
    value=${values[name]} onInput=${(e) => setValues({ ...values, [name]: e.target.value })} />`;
  return html`<${Form} onSubmit=${create} aria-label="Add a webhook">
    ${field("url", "URL", "https, on a public address")}
    ${field("event_types", "Event types (optional)", "e.g. ticket.created, reply.created; empty: every event")}
    ${field("description", "Description (optional)")}
    <${ErrorMessage} error=${error} shown=${names} />
    ${secret && html`<div class="success" role="status"><p>Webhook added. Its signing secret, shown only now:</p>
      <p><code>${secret}</code></p></div>`}
    <button type="submit" disabled=${busy}>Add webhook</button>
  </${Form}>`;
}

function Delivery({ hook, delivery, onRetried }) {
  const [queued, setQueued] = useState(false);
  const [retry, busy, error] = useAction(async () => {
    await post(`/api/admin/webhooks/${hook.id}/deliveries/${delivery.id}/retry/`);
    setQueued(true);
    onRetried();
  });
  const last = delivery.attempts[delivery.attempts.length - 1];
  return html`<li>
    <p class="title">${delivery.event_type} <span class="badge">${delivery.status}</span></p>
    <div class="meta"><span>Queued <${When} at=${delivery.created_at} /></span>
      <span>${delivery.attempt_count} attempt(s)</span>
      ${last && html`<span>Last: ${last.status_code || last.error || "no answer"}</span>`}
      ${delivery.next_attempt_at && html`<span>Next <${When} at=${delivery.next_attempt_at} /></span>`}</div>
    ${delivery.status !== "delivered" && html`<div class="actions"><button type="button" class="secondary"
      onClick=${retry} disabled=${busy}>Retry ${delivery.event_type}</button>
      ${queued && html`<span role="status">Queued again</span>`}</div>`}
    <${ErrorMessage} error=${error} />
  </li>`;
}

function Deliveries({ hook }) {
  const list = useLoad(() => get(`/api/admin/webhooks/${hook.id}/deliveries/?limit=100`), [hook.id]);
  // Deliveries are made and attempted in the background: look again while any may change.
  const settled = list.data && list.data.deliveries.length > 0
    && list.data.deliveries.every((d) => d.status !== "pending");
  useEffect(() => {
    if (settled) return undefined;
    const timer = setTimeout(list.reload, 3000);
    return () => clearTimeout(timer);
  }, [list.data, list.error]);
  return html`<section aria-label=${`Deliveries to ${hook.url}`}>
    <button type="button" class="secondary" onClick=${list.reload}>Refresh deliveries</button>
    <${ErrorMessage} error=${list.error} />
    ${!list.data ? html`<${Loading} />` : list.data.deliveries.length === 0 ? html`<p class="muted">No deliveries yet.</p>`
      : html`<ul class="list" aria-label="Deliveries">${list.data.deliveries.map((d) => html`<${Delivery}
          key=${d.id} hook=${hook} delivery=${d} onRetried=${list.reload} />`)}</ul>`}
  </section>`;
}

function Hook({ hook, onChanged }) {
  const [open, setOpen] = useState(false);
  const [act, busy, error] = useAction(async (what) => {
    if (what === "test") await post(`/api/admin/webhooks/${hook.id}/test/`);
    else await patch(`/api/admin/webhooks/${hook.id}/`, { enabled: true });
    announce(what === "test" ? "Test event sent" : "Webhook enabled");
    onChanged();
  });
  return html`<li>
    <p class="title">${hook.url} ${!hook.enabled && html`<span class="badge off">disabled</span>`}</p>
    <div class="meta"><span>${hook.event_types.join(", ") || "every event"}</span><span>${hook.description}</span></div>
    <div class="actions">
      <button type="button" class="secondary" onClick=${() => act("test")} disabled=${busy}>Send test event</button>
      ${!hook.enabled && html`<button type="button" class="secondary" onClick=${() => act("enable")} disabled=${busy}>Enable</button>`}
      <button type="button" class="secondary" aria-expanded=${open} onClick=${() => setOpen(!open)}>Deliveries</button>
    </div>
    <${ErrorMessage} error=${error} />
    ${open && html`<${Deliveries} hook=${hook} />`}
  </li>`;
}

export default function Webhooks() {
  const hooks = useLoad(() => get("/api/admin/webhooks/"), []);
  return html`<h2>Add a webhook</h2><${Create} onCreated=${hooks.reload} />
    <h2>Webhooks</h2><${ErrorMessage} error=${hooks.error} />
    ${!hooks.data ? hooks.loading && html`<${Loading} />` : hooks.data.webhooks.length === 0
      ? html`<p class="muted">No webhooks yet.</p>`
      : html`<ul class="list" aria-label="Webhooks">${hooks.data.webhooks.map((h) => html`<${Hook} key=${h.id}
          hook=${h} onChanged=${hooks.reload} />`)}</ul>`}`;
}
