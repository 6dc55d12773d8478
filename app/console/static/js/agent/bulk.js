// Bulk changes (POST /api/support/tickets/bulk/): checkboxes on a list's rows, and a bar that
// applies a status, a priority, tags to add and remove, a note and (admins: pass `agents`) an
// assignee to the selected tickets, then says how each one went.
import { post } from "../api.js";
import {
  announce, ErrorMessage, Field, Form, html, PRIORITIES, STATUSES, useAction, useState,
} from "../ui.js";
import { split } from "./tags.js";

// {ids, toggle(id), set(ids)}: the selected tickets of a list.
export function useSelection() {
  const [ids, set] = useState([]);
  const toggle = (id) => set(ids.includes(id) ? ids.filter((i) => i !== id) : [...ids, id]);
  return { ids, toggle, set };
}

export function Pick({ ticket, picked }) {
  return html`<input type="checkbox" checked=${picked.ids.includes(ticket.id)}
    aria-label=${`Select ${ticket.subject}`} onChange=${() => picked.toggle(ticket.id)} />`;
}

const keep = (what, values) => [["", `Keep the ${what}`], ...values];
const NONE = { status: "", priority: "", agent: "", tag: "", untag: "", note: "" };

// tickets: the rows shown (for their subjects and "Select all"); onDone: reload the list;
// agents (admins only, as the API allows): the approved agents to assign to.
export function BulkBar({ picked, tickets, onDone, agents }) {
  const [change, setChange] = useState(NONE);
  const [results, setResults] = useState(null);
  const [apply, busy, error] = useAction(async () => {
    const body = { ticket_ids: picked.ids, set_status: change.status || undefined,
      set_priority: change.priority || undefined, assign_to: change.agent || undefined,
      add_tags: split(change.tag), remove_tags: split(change.untag), note: change.note.trim() || undefined };
    const { results: done } = await post("/api/support/tickets/bulk/", body);
    const subject = Object.fromEntries(tickets.map((t) => [t.id, t.subject]));
    setResults(done.map((r) => ({ ...r, subject: subject[r.ticket_id] || r.ticket_id })));
    announce(`${done.filter((r) => r.ok).length} of ${done.length} tickets changed`);
    picked.set(done.filter((r) => !r.ok).map((r) => r.ticket_id));
    setChange(NONE);
    onDone();
  });
  const set = (name) => (e) => setChange({ ...change, [name]: e.target.value });
  const all = tickets.length > 0 && tickets.every((t) => picked.ids.includes(t.id));
  return html`<section class="bulk" aria-label="Bulk changes">
    <label><input type="checkbox" checked=${all}
      onChange=${() => picked.set(all ? [] : tickets.map((t) => t.id))} /> Select all shown</label>
    ${picked.ids.length > 0 && html`<${Form} class="toolbar" aria-label="Change the selected tickets" onSubmit=${apply}>
      <${Field} label="Set status" name="set_status" as="select" value=${change.status}
        options=${keep("status", STATUSES)} onChange=${set("status")} error=${error} />
      <${Field} label="Set priority" name="set_priority" as="select" value=${change.priority}
        options=${keep("priority", PRIORITIES)} onChange=${set("priority")} error=${error} />
      <${Field} label="Add tag to selected" name="add_tags" value=${change.tag}
        onInput=${set("tag")} error=${error} />
      <${Field} label="Remove tag from selected" name="remove_tags" value=${change.untag}
        onInput=${set("untag")} error=${error} />
      ${agents && html`<${Field} label="Assign selected to" name="assign_to" as="select" value=${change.agent}
        options=${keep("agent", agents.map((a) => [a.id, a.name]))} onChange=${set("agent")} error=${error} />`}
      <${Field} label="Internal note" name="bulk-note" as="textarea" value=${change.note}
        onInput=${set("note")} error=${error} />
      <button type="submit" disabled=${busy}>Apply to ${picked.ids.length} selected</button>
    </${Form}>`}
    <${ErrorMessage} error=${error} shown=${["set_status", "set_priority", "add_tags", "remove_tags", "assign_to"]} />
    ${results && html`<ul aria-label="Bulk results">${results.map((r) => html`<li key=${r.ticket_id}>
      ${r.subject}: ${r.ok ? "changed" : html`<span class="error">not changed: ${r.error.error}</span>`}</li>`)}</ul>`}
  </section>`;
}
