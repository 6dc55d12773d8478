// Canned responses: an agent keeps their own, an admin also the shared ones (seen by all).
// The body may use {{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }}, {{ agent.name }}.
import { del, get, post } from "../api.js";
import { announce, ErrorMessage, Field, Form, html, useAction, useLoad, useState } from "../ui.js";

const EMPTY = { title: "", body: "", shortcut: "", shared: false };

export default function CannedEditor({ user }) {
  const list = useLoad(() => get("/api/agent/canned-responses/"), []);
  const [values, setValues] = useState(EMPTY);
  const set = (name) => (e) => setValues({ ...values, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  const [save, busy, error] = useAction(async () => {
    await post("/api/agent/canned-responses/", { ...values, shortcut: values.shortcut || null });
    setValues(EMPTY);
    announce("Canned response saved");
    list.reload();
  });
  const [remove, removing, removeError] = useAction(async (c) => {
    await del(`/api/agent/canned-responses/${c.id}/`);
    announce("Canned response deleted");
    list.reload();
  });
  const admin = user.role === "admin";
  const items = (list.data && list.data.canned_responses) || [];
  return html`<h2>New canned response</h2>
    <${Form} onSubmit=${save} aria-label="New canned response">
      <${Field} label="Title" name="title" value=${values.title} onInput=${set("title")} error=${error} />
      <${Field} label="Text" name="body" as="textarea" value=${values.body} onInput=${set("body")} error=${error}
        hint="You may use {{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }} and {{ agent.name }}" />
      <${Field} label="Shortcut (optional, after :: in the composer)" name="shortcut" value=${values.shortcut}
        onInput=${set("shortcut")} error=${error} />
      ${admin && html`<label><input type="checkbox" name="shared" checked=${values.shared} onChange=${set("shared")} />
        Shared with all staff</label>`}
      <${ErrorMessage} error=${error} shown=${["title", "body", "shortcut"]} />
      <button type="submit" disabled=${busy}>Save canned response</button>
    </${Form}>
    <h2>Your canned responses${admin ? " and the shared ones" : ""}</h2>
    <${ErrorMessage} error=${list.error || removeError} />
    ${items.length === 0 ? html`<p class="muted">None yet.</p>` : html`<ul class="rows" aria-label="Canned responses">
      ${items.map((c) => html`<li key=${c.id}><p class="title">${c.title}${c.shortcut && ` (::${c.shortcut})`}
        ${c.shared && " — shared"}</p><p class="body">${c.body}</p>
        ${(!c.shared || admin) && html`<button type="button" class="secondary" disabled=${removing}
          aria-label=${`Delete: ${c.title}`} onClick=${() => remove(c)}>Delete</button>`}</li>`)}</ul>`}`;
}
