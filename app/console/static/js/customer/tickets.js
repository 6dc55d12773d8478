// My tickets (GET /api/support/tickets/?status=&q=), newest first, kept current by the stream.
import { get, query } from "../api.js";
import { ErrorMessage, Field, Form, html, Loading, STATUSES, StatusBadge, useLive, useLoad, useState, When } from "../ui.js";

export default function MyTickets() {
  const [status, setStatus] = useState("");
  const [words, setWords] = useState("");
  const [q, setQ] = useState("");
  const [more, setMore] = useState({ tickets: [], error: null });
  const page = useLoad(() => get(`/api/support/tickets/${query({ status, q })}`), [status, q]);
  useLive((event) => { if (event.ticket_id) page.reload(); }, [page.reload]);
  const tickets = page.data ? [...page.data.tickets, ...more.tickets] : [];
  const cursor = more.cursor !== undefined ? more.cursor : page.data && page.data.next_cursor;
  const loadMore = async () => {
    try {
      const next = await get(`/api/support/tickets/${query({ status, q, cursor })}`);
      setMore({ tickets: [...more.tickets, ...next.tickets], cursor: next.next_cursor, error: null });
    } catch (error) { setMore({ ...more, error }); }
  };
  const reset = () => setMore({ tickets: [], error: null });
  return html`<${Form} class="toolbar" role="search" aria-label="Filter tickets"
      onSubmit=${() => { reset(); setQ(words.trim()); }}>
      <${Field} label="Status" name="status" as="select" value=${status}
        options=${[["", "Any status"], ...STATUSES]} onChange=${(e) => { reset(); setStatus(e.target.value); }} />
      <${Field} label="Search" name="q" type="search" value=${words} onInput=${(e) => setWords(e.target.value)}
        error=${page.error} />
      <button type="submit">Search</button>
    </${Form}>
    <p><a class="button" href="#/tickets/new">New ticket</a></p>
    <${ErrorMessage} error=${page.error} shown=${["q"]} />
    ${page.loading && !page.data ? html`<${Loading} what="Loading your tickets" />`
      : page.data && (tickets.length === 0 ? html`<p>No tickets${status || q ? " match" : " yet"}.</p>`
      : html`<ul class="list" aria-label="Tickets">${tickets.map((t) => html`<li>
          <a class="title" href=${`#/tickets/${t.id}`}>${t.subject}</a>
          <div class="meta"><${StatusBadge} status=${t.status} /><span>${t.category}</span>
            <span>Opened <${When} at=${t.created_at} /></span>
            <span>${t.reply_count} ${t.reply_count === 1 ? "reply" : "replies"}</span></div>
        </li>`)}</ul>`)}
    <${ErrorMessage} error=${more.error} />
    ${cursor && html`<button type="button" class="secondary" onClick=${loadMore}>Show more</button>`}`;
}
