// Macros: actions staff apply to a ticket from its screen (agent/macros.js).
import { del, get, post } from "../api.js";
import { describe } from "../agent/macros.js";
import { announce, ErrorMessage, Field, Form, html, PRIORITIES, STATUSES, useAction, useLoad, useState } from "../ui.js";

const EMPTY = { title: "", reply: "", note: "", set_status: "", set_priority: "", add_tags: "", remove_tags: "" };

export default function Macros() {
  const list = useLoad(() => get("/api/admin/macros/"), []);
  const [v, setV] = useState(EMPTY);
  const [save, busy, error] = useAction(async () => {
    const body = {};
    for (const k in v) body[k] = k.endsWith("tags") ? v[k].split(",").map((t) => t.trim()).filter(Boolean) : v[k] || null;
    await post("/api/admin/macros/", body);
    setV(EMPTY);
    announce("Macro saved");
    list.reload();
  });
  const [remove, , removeError] = useAction(async (m) => { await del(`/api/admin/macros/${m.id}/`); list.reload(); });
  const field = (label, name, more) => html`<${Field} label=${label} name=${name} value=${v[name]} error=${error}
    onInput=${(e) => setV({ ...v, [name]: e.target.value })} ...${more} />`;
  const keep = (o) => ({ as: "select", options: [["", "Leave as is"], ...o] });
  return html`<${Form} onSubmit=${save} aria-label="New macro">
      ${field("Title", "title")}
      ${field("Public reply", "reply", { as: "textarea", hint: "{{ customer.name }}, {{ ticket.id }}, {{ ticket.subject }}, {{ agent.name }} are filled in" })}
      ${field("Internal note", "note", { as: "textarea" })}
      ${field("Set status", "set_status", keep(STATUSES))}
      ${field("Set priority", "set_priority", keep(PRIORITIES))}
      ${field("Add tags (comma separated)", "add_tags")}
      ${field("Remove tags (comma separated)", "remove_tags")}
      <${ErrorMessage} error=${error} shown=${Object.keys(EMPTY)} />
      <button type="submit" disabled=${busy}>Save macro</button>
    </${Form}>
    <${ErrorMessage} error=${list.error || removeError} />
    <ul class="rows" aria-label="Macros">${((list.data && list.data.macros) || []).map((m) => html`<li key=${m.id}>
      <p class="title">${m.title}</p><p>${describe(m)}${m.reply && " · reply"}${m.note && " · note"}</p>
      <button type="button" class="secondary" aria-label=${`Delete: ${m.title}`} onClick=${() => remove(m)}>Delete</button></li>`)}</ul>`;
}
