// The agent's queue (GET /api/agent/tickets/): their tickets, the unassigned ones or both,
// with the list's filters, search and sorts, each row's SLA state in words, "Show more"
// paging, and j/k between rows. Any ticket event on the stream reloads what is shown.
import { get, query } from "../api.js";
import {
  CATEGORIES, ErrorMessage, Field, Form, html, Loading, PRIORITIES, STATUSES, StatusBadge,
  useEffect, useLive, useRef, useState, When,
} from "../ui.js";
import Availability from "./availability.js";
import { BulkBar, Pick, useSelection } from "./bulk.js";
import { lastQueue, Shortcuts, Sla } from "./common.js";
import { TagChips, TagFilter } from "./tags.js";

const VIEWS = [["me", "Mine"], ["unassigned", "Unassigned"], ["", "Mine and unassigned"]];
const SORTS = [["-created_at", "Newest first"], ["-updated_at", "Recently updated"],
  ["due_at", "SLA due soonest"], ["-priority", "Highest priority"]];
const SLAS = [["", "Any SLA state"], ["breached", "Breached"], ["at_risk", "At risk"], ["ok", "On track"]];
const any = (what, values) => [["", `Any ${what}`], ...values];
const PAGE = 50;

// The filters survive a visit to a ticket and back.
let kept = { assigned: "", status: "", category: "", priority: "", sla: "", sort: "-created_at", q: "", tag: "" };

// Focus the row link `step` away from the focused one (the first or last when none is).
function move(step) {
  const links = [...document.querySelectorAll(".queue-row > a")];
  const at = links.indexOf(document.activeElement);
  const next = links[at < 0 ? (step > 0 ? 0 : links.length - 1) : at + step];
  if (next) { next.focus(); next.scrollIntoView({ block: "nearest" }); }
}

export default function Queue({ user }) {
  const [filters, setFilters] = useState(kept);
  const [words, setWords] = useState(kept.q);
  const [list, setList] = useState({ tickets: null, cursor: null, atRisk: new Set() });
  const [error, setError] = useState(null);
  const generation = useRef(0);
  const picked = useSelection();
  // cursor: the next page; keep: how many rows a reload keeps showing (at most 100).
  const load = async ({ cursor, keep = 0 } = {}) => {
    const mine = ++generation.current;
    const url = (extra) => `/api/agent/tickets/${query({ ...filters, ...extra })}`;
    try {
      const [page, risky] = await Promise.all([
        get(url({ cursor, limit: Math.min(100, Math.max(PAGE, keep)) })),
        cursor || filters.sla ? null : get(url({ sla: "at_risk", limit: 100 })),
      ]);
      if (mine !== generation.current) return;
      setError(null);
      setList((old) => ({
        tickets: cursor ? [...old.tickets, ...page.tickets] : page.tickets,
        cursor: page.next_cursor,
        atRisk: risky ? new Set(risky.tickets.map((t) => t.id)) : old.atRisk,
      }));
    } catch (failure) {
      if (mine === generation.current) setError(failure);
    }
  };
  const latest = useRef(load);
  latest.current = load;
  const shown = list.tickets ? list.tickets.length : 0;
  useEffect(() => { kept = filters; load(); }, [filters]);
  useLive((event) => { if (event.ticket_id && event.type !== "ticket.presence") latest.current({ keep: shown }); }, [shown]);
  const set = (name) => (e) => setFilters({ ...filters, [name]: e.target.value });
  const tickets = list.tickets || [];
  lastQueue.ids = tickets.map((t) => t.id);
  const atRisk = (t) => filters.sla === "at_risk" || (!filters.sla && list.atRisk.has(t.id));
  return html`<${Availability} />
    <div class="queue-views" role="group" aria-label="Queue">
      ${VIEWS.map(([value, label]) => html`<button type="button" class="secondary"
        aria-pressed=${filters.assigned === value ? "true" : "false"}
        onClick=${() => setFilters({ ...filters, assigned: value })}>${label}</button>`)}
    </div>
    <${Form} class="toolbar" role="search" aria-label="Filter the queue"
      onSubmit=${() => setFilters({ ...filters, q: words.trim() })}>
      <${Field} label="Search" name="q" type="search" value=${words} error=${error}
        onInput=${(e) => setWords(e.target.value)} />
      <button type="submit">Search</button>
      <${Field} label="Status" name="status" as="select" value=${filters.status}
        options=${any("status", STATUSES)} onChange=${set("status")} error=${error} />
      <${Field} label="Category" name="category" as="select" value=${filters.category}
        options=${any("category", CATEGORIES)} onChange=${set("category")} error=${error} />
      <${Field} label="Priority" name="priority" as="select" value=${filters.priority}
        options=${any("priority", PRIORITIES)} onChange=${set("priority")} error=${error} />
      <${Field} label="SLA" name="sla" as="select" value=${filters.sla} options=${SLAS}
        onChange=${set("sla")} error=${error} />
      <${Field} label="Sort" name="sort" as="select" value=${filters.sort} options=${SORTS}
        onChange=${set("sort")} error=${error} />
    </${Form}>
    <${TagFilter} value=${filters.tag} onChange=${(tag) => setFilters({ ...filters, tag })} />
    <${ErrorMessage} error=${error} shown=${Object.keys(filters)} />
    <${BulkBar} picked=${picked} tickets=${tickets} onDone=${() => load({ keep: shown })} />
    ${!list.tickets ? !error && html`<${Loading} what="Loading the queue" />`
      : tickets.length === 0 ? html`<p>No tickets here.</p>`
      : html`<ul class="list" aria-label="Tickets">${tickets.map((t) => html`<li key=${t.id} class="queue-row">
          <${Pick} ticket=${t} picked=${picked} /> <a class="title" href=${`#/agent/tickets/${t.id}`}>${t.subject}</a>
          <div class="meta"><${StatusBadge} status=${t.status} /><span>Priority ${t.priority}</span>
            <span>${t.category}</span><span>${t.agent_id === user.id ? "Yours" : "Unassigned"}</span>
            <span>${t.customer_name}</span><span>Opened <${When} at=${t.created_at} /></span>
            <${Sla} ticket=${t} atRisk=${atRisk(t)} /></div><${TagChips} tags=${t.tags} />
        </li>`)}</ul>`}
    ${list.cursor && html`<button type="button" class="secondary"
      onClick=${() => load({ cursor: list.cursor })}>Show more</button>`}
    <${Shortcuts} keys=${{ j: () => move(1), k: () => move(-1) }} />`;
}
