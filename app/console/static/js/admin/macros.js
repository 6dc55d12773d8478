// Macros: actions staff apply to a ticket from its screen (agent/macros.js). Edit fills the
// same form, saved with PUT.
import { del, get, post, put } from "../api.js";
import { describe } from "../agent/macros.js";
import {
  announce, ErrorMessage, Field, focusField, Form, html, PRIORITIES, STATUSES, useAction, useLoad, useState,
} from "../ui.js";

const EMPTY = { title: "", reply: "", note: "", set_status: "", set_priority: "", add_tags: "", remove_tags: "" };
const BASE = "/api/admin/macros/";

export default function Macros() {
  const list = useLoad(() => get(BASE), []);
  const [v, setV] = useState(EMPTY);
  const [editing, setEditing] = useState(null); // the id of the one being edited
  const reset = () => { setV(EMPTY); setEditing(null); setError(null); };
  const [save, busy, error, setError] = useAction(async () => {
    const body = {};
    for (const k in v) body[k] = k.endsWith("tags") ? v[k].split(",").map((t) => t.trim()).filter(Boolean) : v[k] || null;
    await (editing ? put(`${BASE}${editing}/`, body) : post(BASE, body));
    reset();
    announce("Macro saved");
    list.reload();
  });
  const edit = (m) => {
    const filled = {};
    for (const k in EMPTY) filled[k] = Array.isArray(m[k]) ? m[k].join(", ") : m[k] || "";
    setV(filled);
    setEditing(m.id);
    setError(null);
    focusField("title");
  };
  const [remove, , removeError] = useAction(async (m) => {
    await del(`${BASE}${m.id}/`);
    if (m.id === editing) reset();
    list.reload();
  });
  const field = (label, name, more) => html`<${Field} label=${label} name=${name} value=${v[name]} error=${error}
    onInput=${(e) => setV({ ...v, [name]: e.target.value })} ...${more} />`;
  const keep = (o) => ({ as: "select", options: [["", "Leave as is"], ...o] });
  return html`<${Form} onSubmit=${save} aria-label=${editing ? "Edit macro" : "New macro"}>
      ${field("Title", "title")}
      ${field("Public reply", "reply", { as: "textarea", hint: "{{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }}, {{ agent.name }} are filled in" })}
      ${field("Internal note", "note", { as: "textarea" })}
      ${field("Set status", "set_status", keep(STATUSES))}
      ${field("Set priority", "set_priority", keep(PRIORITIES))}
      ${field("Add tags (comma separated)", "add_tags")}
      ${field("Remove tags (comma separated)", "remove_tags")}
      <${ErrorMessage} error=${error} shown=${Object.keys(EMPTY)} />
      <button type="submit" disabled=${busy}>Save macro</button>
      ${editing && html` <button type="button" class="secondary" onClick=${reset}>Cancel editing</button>`}
    </${Form}>
    <${ErrorMessage} error=${list.error || removeError} />
    <ul class="rows" aria-label="Macros">${((list.data && list.data.macros) || []).map((m) => html`<li key=${m.id}>
      <p class="title">${m.title}</p><p>${describe(m)}${m.reply && " · reply"}${m.note && " · note"}</p>
      <button type="button" class="secondary" aria-label=${`Edit: ${m.title}`} onClick=${() => edit(m)}>Edit</button>
      <button type="button" class="secondary" aria-label=${`Delete: ${m.title}`} onClick=${() => remove(m)}>Delete</button></li>`)}</ul>`;
}
