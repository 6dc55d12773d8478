// Canned responses: an agent keeps their own, an admin also the shared ones (seen by all).
// The body may use {{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }}, {{ agent.name }}.
// Edit fills the same form, saved with PUT.
import { del, get, post, put } from "../api.js";
import { announce, ErrorMessage, Field, focusField, Form, html, useAction, useLoad, useState } from "../ui.js";

const EMPTY = { title: "", body: "", shortcut: "", shared: false };
const BASE = "/api/agent/canned-responses/";

export default function CannedEditor({ user }) {
  const list = useLoad(() => get(BASE), []);
  const [values, setValues] = useState(EMPTY);
  const [editing, setEditing] = useState(null); // the id of the one being edited
  const set = (name) => (e) => setValues({ ...values, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  const reset = () => { setValues(EMPTY); setEditing(null); setError(null); };
  const [save, busy, error, setError] = useAction(async () => {
    const body = { ...values, shortcut: values.shortcut || null };
    await (editing ? put(`${BASE}${editing}/`, body) : post(BASE, body));
    reset();
    announce("Canned response saved");
    list.reload();
  });
  const edit = (c) => {
    setValues({ title: c.title, body: c.body, shortcut: c.shortcut || "", shared: c.shared });
    setEditing(c.id);
    setError(null);
    focusField("title"); // the form is above the list
  };
  const [remove, removing, removeError] = useAction(async (c) => {
    await del(`${BASE}${c.id}/`);
    if (c.id === editing) reset();
    announce("Canned response deleted");
    list.reload();
  });
  const admin = user.role === "admin";
  const items = (list.data && list.data.canned_responses) || [];
  const what = editing ? "Edit canned response" : "New canned response";
  return html`<h2>${what}</h2>
    <${Form} onSubmit=${save} aria-label=${what}>
      <${Field} label="Title" name="title" value=${values.title} onInput=${set("title")} error=${error} />
      <${Field} label="Text" name="body" as="textarea" value=${values.body} onInput=${set("body")} error=${error}
        hint="You may use {{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }} and {{ agent.name }}" />
      <${Field} label="Shortcut (optional, after :: in the composer)" name="shortcut" value=${values.shortcut}
        onInput=${set("shortcut")} error=${error} />
      ${admin && html`<label><input type="checkbox" name="shared" checked=${values.shared} onChange=${set("shared")} />
        Shared with all staff</label>`}
      <${ErrorMessage} error=${error} shown=${["title", "body", "shortcut"]} />
      <button type="submit" disabled=${busy}>Save canned response</button>
      ${editing && html` <button type="button" class="secondary" onClick=${reset}>Cancel editing</button>`}
    </${Form}>
    <h2>Your canned responses${admin ? " and the shared ones" : ""}</h2>
    <${ErrorMessage} error=${list.error || removeError} />
    ${items.length === 0 ? html`<p class="muted">None yet.</p>` : html`<ul class="rows" aria-label="Canned responses">
      ${items.map((c) => html`<li key=${c.id}><p class="title">${c.title}${c.shortcut && ` (::${c.shortcut})`}
        ${c.shared && " — shared"}</p><p class="body">${c.body}</p>
        ${(!c.shared || admin) && html`<button type="button" class="secondary" aria-label=${`Edit: ${c.title}`}
          onClick=${() => edit(c)}>Edit</button> <button type="button" class="secondary" disabled=${removing}
          aria-label=${`Delete: ${c.title}`} onClick=${() => remove(c)}>Delete</button>`}</li>`)}</ul>`}`;
}
