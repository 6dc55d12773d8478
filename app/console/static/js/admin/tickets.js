// All tickets (GET /api/admin/support/tickets/) with the staff filters, search and sorts;
// each row can be reassigned to an approved agent, and its customer deactivated or activated.
import { post } from "../api.js";
import {
  announce, CATEGORIES, ErrorMessage, Field, Form, html, Loading, PRIORITIES, STATUSES,
  StatusBadge, useAction, useLive, useLoad, useState, When,
} from "../ui.js";
import { Activation, approvedAgents, More, usePaged } from "./common.js";

const SLA = [["", "Any"], ["breached", "Breached"], ["at_risk", "At risk"], ["ok", "On time"]];
const SORTS = [["-created_at", "Newest"], ["-updated_at", "Recently updated"], ["due_at", "Due first"],
  ["-priority", "Priority"]];

function Sla({ ticket }) {
  const { sla } = ticket;
  if (sla.breached.length) return html`<span class="badge off">SLA breached</span>`;
  if (ticket.status === "Resolved" || ticket.status === "Closed") return null;
  const due = (!ticket.first_response_at && sla.first_response_due_at) || sla.resolution_due_at;
  return due && html`<span>Due <${When} at=${due} />${sla.paused ? " (paused)" : ""}</span>`;
}

function Reassign({ ticket, agents, onDone }) {
  const [agentId, setAgentId] = useState("");
  const [run, busy, error] = useAction(async () => {
    await post(`/api/support/tickets/${ticket.id}/reassign/`, { agent_id: agentId });
    announce(`Reassigned: ${ticket.subject}`);
    onDone();
  });
  const choices = agents.filter((a) => a.id !== ticket.agent_id).map((a) => [a.id, a.name]);
  return html`<${Form} class="toolbar" onSubmit=${run} aria-label=${`Reassign ${ticket.subject}`}>
    <${Field} label="Reassign to" name=${`agent-${ticket.id}`} as="select" value=${agentId}
      options=${[["", "Choose an agent"], ...choices]} onChange=${(e) => setAgentId(e.target.value)} />
    <button type="submit" disabled=${busy}>Reassign</button>
    <${ErrorMessage} error=${error} />
  </${Form}>`;
}

export default function AllTickets() {
  const [filters, setFilters] = useState({ sort: "-created_at" });
  const [words, setWords] = useState("");
  const agents = useLoad(approvedAgents, []);
  const { agent, ...rest } = filters;
  const list = usePaged("/api/admin/support/tickets/", "tickets",
    { ...rest, agent_id: agent === "none" ? "" : agent, unassigned: agent === "none" ? "true" : "" },
    [JSON.stringify(filters)]);
  useLive((event) => {
    if (event.ticket_id) list.reload();
    if (/^(agent|user)\./.test(event.type)) agents.reload();
  }, [list.reload, agents.reload]);
  const pick = (name, label, options) => html`<${Field} label=${label} name=${name} as="select"
    value=${filters[name] || ""} options=${options} error=${list.error}
    onChange=${(e) => setFilters({ ...filters, [name]: e.target.value })} />`;
  const any = (values) => [["", "Any"], ...values];
  return html`<${Form} class="toolbar" role="search" aria-label="Filter tickets"
      onSubmit=${() => setFilters({ ...filters, q: words.trim() })}>
      ${pick("status", "Status", any(STATUSES))}
      ${pick("category", "Category", any(CATEGORIES))}
      ${pick("priority", "Priority", any(PRIORITIES))}
      ${pick("agent", "Agent", [["", "Any"], ["none", "Unassigned"],
        ...(agents.data || []).map((a) => [a.id, a.name])])}
      ${pick("sla", "SLA", SLA)}
      ${pick("sort", "Sort by", SORTS)}
      <${Field} label="Search" name="q" type="search" value=${words} error=${list.error}
        onInput=${(e) => setWords(e.target.value)} />
      <button type="submit">Search</button>
    </${Form}>
    <${ErrorMessage} error=${list.error || agents.error}
      shown=${["status", "category", "priority", "sla", "sort", "q"]} />
    ${!list.items ? list.loading && html`<${Loading} what="Loading tickets" />`
      : list.items.length === 0 ? html`<p>No tickets match.</p>`
      : html`<ul class="list" aria-label="Tickets">${list.items.map((t) => html`<li key=${t.id}>
          <p class="title">${t.subject}</p>
          <div class="meta"><${StatusBadge} status=${t.status} /><span>${t.priority}</span>
            <span>${t.category}</span><span>Agent: ${t.agent_name || "unassigned"}</span>
            <span>Opened <${When} at=${t.created_at} /></span><${Sla} ticket=${t} /></div>
          <${Reassign} ticket=${t} agents=${agents.data || []} onDone=${list.reload} />
          <details><summary>Customer: ${t.customer_name || t.customer_id}</summary>
            <${Activation} id=${t.customer_id} who=${`customer ${t.customer_name || ""}`.trim()} />
          </details>
        </li>`)}</ul>`}
    <${More} list=${list} />`;
}
