// All tickets with filters; reassign one, or (de)activate its customer.
import { post } from "../api.js";
import {
  announce, CATEGORIES, ErrorMessage, Field, Form, html, PRIORITIES, STATUSES,
  StatusBadge, useAction, useLive, useLoad, useState, When,
} from "../ui.js";
import { BulkBar, Pick, useSelection } from "../agent/bulk.js";
import { TagChips, TagFilter } from "../agent/tags.js";
import { Activation, approvedAgents, Rows, usePaged } from "./common.js";

const FILTERS = ["status", "category", "priority", "agent", "sla", "sort"];
const any = (values) => [["", "Any"], ...values];
const SLA = any([["breached", "Breached"], ["at_risk", "At risk"], ["ok", "On time"]]);
const SORTS = [["-created_at", "Newest"], ["-updated_at", "Recently updated"], ["due_at", "Due first"],
  ["-priority", "Priority"]];

function Reassign({ ticket, agents, onDone }) {
  const [agentId, setAgentId] = useState("");
  const [run, busy, error] = useAction(async () => {
    await post(`/api/support/tickets/${ticket.id}/reassign/`, { agent_id: agentId });
    announce(`Reassigned: ${ticket.subject}`);
    onDone();
  });
  return html`<${Form} class="toolbar" onSubmit=${run} aria-label=${`Reassign ${ticket.subject}`}>
    <${Field} label="Reassign to" name=${`agent-${ticket.id}`} as="select" value=${agentId}
      options=${[["", "Choose an agent"], ...agents.filter((a) => a.id !== ticket.agent_id).map((a) => [a.id, a.name])]}
      onChange=${(e) => setAgentId(e.target.value)} />
    <button type="submit" disabled=${busy}>Reassign</button>
    <${ErrorMessage} error=${error} />
  </${Form}>`;
}

export default function AllTickets() {
  const [filters, setFilters] = useState({ sort: "-created_at" });
  const [words, setWords] = useState("");
  const agents = useLoad(approvedAgents, []);
  const picked = useSelection();
  const { agent = "", ...rest } = filters;
  const none = agent === "none";
  const list = usePaged("/api/admin/support/tickets/", "tickets",
    { ...rest, agent_id: none ? "" : agent, unassigned: none ? "true" : "" }, [JSON.stringify(filters)]);
  useLive((event) => {
    if (event.ticket_id && event.type !== "ticket.presence") list.reload();
    if (/^(agent|user)\./.test(event.type)) agents.reload();
  }, [list.reload, agents.reload]);
  const pick = (name, label, options) => html`<${Field} label=${label} name=${name} as="select"
    value=${filters[name] || ""} options=${options} error=${list.error}
    onChange=${(e) => setFilters({ ...filters, [name]: e.target.value })} />`;
  return html`<${Form} class="toolbar" role="search" aria-label="Filter tickets"
      onSubmit=${() => setFilters({ ...filters, q: words.trim() })}>
      ${pick("status", "Status", any(STATUSES))}${pick("category", "Category", any(CATEGORIES))}
      ${pick("priority", "Priority", any(PRIORITIES))}
      ${pick("agent", "Agent", any([["none", "Unassigned"], ...(agents.data || []).map((a) => [a.id, a.name])]))}
      ${pick("sla", "SLA", SLA)}${pick("sort", "Sort by", SORTS)}
      <${Field} label="Search" name="q" type="search" value=${words} error=${list.error}
        onInput=${(e) => setWords(e.target.value)} />
      <button type="submit">Search</button>
    </${Form}>
    <${TagFilter} value=${filters.tag} onChange=${(tag) => setFilters({ ...filters, tag })} />
    <${ErrorMessage} error=${agents.error} />
    <${BulkBar} picked=${picked} tickets=${list.items || []} onDone=${list.reload} agents=${agents.data || []} />
    <${Rows} list=${list} label="Tickets" empty="No tickets match." shown=${[...FILTERS, "q"]} row=${(t) => html`<li key=${t.id}>
          <p class="title"><${Pick} ticket=${t} picked=${picked} /> ${t.subject}</p>
          <div class="meta"><${StatusBadge} status=${t.status} /><span>${t.priority}</span><span>${t.category}</span>
            <span>Agent: ${t.agent_name || "unassigned"}</span><span>Opened <${When} at=${t.created_at} /></span>
            ${t.sla.breached.length > 0 && html`<span class="badge off">SLA breached</span>`}</div>
          <${TagChips} tags=${t.tags} />
          <${Reassign} ticket=${t} agents=${agents.data || []} onDone=${list.reload} />
          <details><summary>Customer: ${t.customer_name}</summary>
            <${Activation} id=${t.customer_id} who=${`customer ${t.customer_name}`} /></details>
        </li>`} />`;
}
