// One ticket for an agent: details and SLA; the customer thread and the internal notes side
// by side but apart; Assign to me; status and priority offering only the workflow's next
// steps, saved with If-Match (someone else's change meanwhile is said and the new state
// shown); a composer for a public reply or an internal note (POST .../add-note/). The stream
// reloads it. Keys: j/k the neighbours in the last queue, r reply, n note, a assign.
import { get, post, request, uploadAttachment } from "../api.js";
import { Attachments, ByEmail } from "../parts.js";
import {
  announce, ErrorMessage, Field, Form, html, Loading, navigate, PRIORITIES, StatusBadge,
  useAction, useEffect, useLive, useLoad, useState, When,
} from "../ui.js";
import { MergedInto } from "../merged.js";
import { lastQueue, Shortcuts, Sla } from "./common.js";
import { MergeDialog } from "./merge.js";
import { MacroMenu } from "./macros.js";
import { TagEditor } from "./tags.js";
import { CannedPicker } from "./canned.js";
import { Presence } from "./presence.js";

// docs/api-guide.md, "Tickets and their workflow" (staying in a status is allowed too).
const NEXT = { Open: ["In Progress"], "In Progress": ["On Hold", "Resolved"],
  "On Hold": ["In Progress", "Resolved"], Resolved: ["Closed", "In Progress"], Closed: [] };

async function loadTicket(id) {
  const base = `/api/support/tickets/${id}`;
  const [detail, replies, files] = await Promise.all([
    request("GET", `${base}/`), get(`${base}/replies/?limit=100`), get(`${base}/attachments/`),
  ]);
  const notes = detail.data.internal_notes;
  const shown = new Set([...replies.replies, ...notes].flatMap((r) => r.attachments.map((a) => a.id)));
  const loose = files.attachments.filter((a) => !shown.has(a.id));
  return { ticket: detail.data.ticket, etag: detail.etag, notes, replies: replies.replies,
    publicFiles: loose.filter((a) => a.visibility === "public"),
    internalFiles: loose.filter((a) => a.visibility === "internal") };
}

// The edit starts from the ticket as shown and keeps that version (its ETag) until saved:
// a change made by someone else in the meantime makes the save a 412, said in words.
function Controls({ ticket, etag, onChanged }) {
  const [edit, setEdit] = useState(null);
  const [conflict, setConflict] = useState(false);
  const now = edit || { status: ticket.status, priority: ticket.priority, etag };
  const change = (e) => { setConflict(false); setEdit({ ...now, [e.target.name]: e.target.value }); };
  const [save, busy, error] = useAction(async () => {
    try {
      await request("PUT", `/api/support/tickets/${ticket.id}/update-status/`,
        { body: { status: now.status, priority: now.priority }, ifMatch: now.etag });
      announce("Status and priority saved");
    } catch (failure) {
      if (failure.status !== 412 && failure.status !== 409) throw failure;
      setConflict(true);
    }
    setEdit(null);
    await onChanged();
  });
  return html`<${Form} class="toolbar" aria-label="Update the ticket" onSubmit=${save}>
      <${Field} label="Status" name="status" as="select" value=${now.status} error=${error}
        options=${[ticket.status, ...NEXT[ticket.status]]} onChange=${change} />
      <${Field} label="Priority" name="priority" as="select" value=${now.priority} error=${error}
        options=${PRIORITIES} onChange=${change} />
      <button type="submit" disabled=${busy}>Save</button>
    </${Form}>
    ${conflict && html`<p class="error" role="alert">This ticket was changed by someone else.
      Its current state is shown now: make your change again if it is still needed.</p>`}
    <${ErrorMessage} error=${error} shown=${["status", "priority"]} />`;
}

function Composer({ ticketId, compose, setMode, onSent }) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState([]);
  const [visibility, setVisibility] = useState("internal");
  const [round, setRound] = useState(0); // a new file input after each message
  const note = compose.mode === "note";
  const name = note ? "note" : "body";
  useEffect(() => { if (compose.focus) document.getElementById(`field-${name}`).focus(); }, [compose.focus]);
  const [send, busy, error] = useAction(async () => {
    const ids = [];
    for (const file of files) ids.push((await uploadAttachment(ticketId, file, note ? visibility : "public")).id);
    const base = `/api/support/tickets/${ticketId}`;
    if (note) await post(`${base}/add-note/`, { note: text, attachment_ids: ids });
    else await post(`${base}/replies/`, { body: text, attachment_ids: ids });
    setText("");
    setFiles([]);
    setRound(round + 1);
    announce(note ? "Internal note added" : "Reply sent");
    onSent();
  });
  return html`<${Form} class=${note ? "composer note-mode" : "composer"} aria-label="Composer" onSubmit=${send}>
    <fieldset class="ratings"><legend>Write</legend>
      ${[["reply", "Public reply"], ["note", "Internal note"]].map(([mode, label]) => html`<label>
        <input type="radio" name="mode" value=${mode} checked=${compose.mode === mode}
          onChange=${() => setMode(mode)} /> ${label}</label>`)}
    </fieldset>
    <${Field} label=${note ? "Note for the team (not visible to the customer)" : "Reply to the customer"}
      name=${name} as="textarea" value=${text} onInput=${(e) => setText(e.target.value)} error=${error} />
    <${CannedPicker} ticketId=${ticketId} field=${name} />
    <${Field} key=${round} label="Attach files (optional)" name="file" type="file" multiple error=${error}
      accept="image/*,application/pdf,text/plain" onChange=${(e) => setFiles([...e.target.files])} />
    ${note && html`<${Field} label="Who may see the files" name="visibility" as="select" value=${visibility}
      options=${[["internal", "Staff only (internal)"], ["public", "The customer too"]]}
      onChange=${(e) => setVisibility(e.target.value)} error=${error} />`}
    <${ErrorMessage} error=${error} shown=${[name, "file", "visibility"]} />
    <button type="submit" disabled=${busy}>${note ? "Add internal note" : "Send reply"}</button>
  </${Form}>`;
}

const author = (reply, user) => (reply.author.id === user.id ? "You"
  : reply.author.role === "user" ? `${reply.author.name} (customer)` : `${reply.author.name} (support)`);

export default function AgentTicket({ params, user }) {
  const { data, error, loading, reload } = useLoad(() => loadTicket(params.id), [params.id]);
  const [compose, setCompose] = useState({ mode: "reply", focus: 0 });
  const [assign, assigning, assignError] = useAction(async () => {
    try {
      await post(`/api/support/tickets/${params.id}/assign-self/`);
      announce("The ticket is assigned to you");
    } finally {
      reload();
    }
  });
  useLive((event) => { if (event.ticket_id === params.id && event.type !== "ticket.presence") reload(); }, [params.id, reload]);
  if (!data) {
    return loading ? html`<${Loading} what="Loading the ticket" />`
      : html`<${ErrorMessage} error=${error} /><p><a href="#/agent/queue">Back to the queue</a></p>`;
  }
  const { ticket } = data;
  const mine = ticket.agent_id === user.id;
  const closed = ticket.status === "Closed";
  const writing = (mine || user.role === "admin") && !closed; // admins may work on any ticket
  const neighbour = (step) => {
    const ids = lastQueue.ids;
    const at = ids.indexOf(params.id);
    if (at >= 0 && ids[at + step]) navigate(`/agent/tickets/${ids[at + step]}`);
    else announce(`No ${step > 0 ? "next" : "previous"} ticket in the queue`);
  };
  const write = (mode) => (writing ? setCompose((c) => ({ mode, focus: c.focus + 1 }))
    : announce(closed ? "This ticket is closed" : "Assign the ticket to yourself first"));
  const keys = {
    j: () => neighbour(1), k: () => neighbour(-1), r: () => write("reply"), n: () => write("note"),
    a: () => (ticket.agent_id ? announce("This ticket is assigned already") : assign()),
  };
  return html`<article aria-labelledby="ticket-subject">
    <p><a href="#/agent/queue">Back to the queue</a></p>
    <h2 id="ticket-subject">${ticket.subject}</h2>
    <div class="meta"><${StatusBadge} status=${ticket.status} /><span>Priority ${ticket.priority}</span>
      <span>${ticket.category}</span><span>Opened <${When} at=${ticket.created_at} /></span>
      ${ticket.delivery_id && html`<span>Delivery ${ticket.delivery_id}</span>`}
      <span>${mine ? "Assigned to you" : ticket.agent_id ? "Assigned to another agent" : "Unassigned"}</span>
      <${Sla} ticket=${ticket} /></div>
    <${TagEditor} ticket=${ticket} editable=${writing} onChanged=${reload} />
    <${Presence} ticketId=${ticket.id} user=${user} />
    <p class="body">${ticket.description}</p>
    <${MergedInto} ticket=${ticket} path="/agent/tickets/" />
    <${ErrorMessage} error=${error} />
    ${!ticket.agent_id && !closed && html`<p><button type="button" onClick=${() => assign()}
      disabled=${assigning}>Assign to me</button></p><${ErrorMessage} error=${assignError} />`}
    ${writing && html`<${Controls} ticket=${ticket} etag=${data.etag} onChanged=${reload} />`}
    ${writing && html`<${MergeDialog} ticket=${ticket} onMerged=${reload} />`}
    ${writing && html`<${MacroMenu} ticket=${ticket} onApplied=${reload} />`}
    ${closed && html`<p>This ticket is closed: it takes no more changes.</p>`}
    <div class="desk">
      <section aria-labelledby="thread-title">
        <h2 id="thread-title">Conversation with the customer</h2>
        <${Attachments} attachments=${data.publicFiles} label="Files on this ticket" />
        ${data.replies.length === 0 ? html`<p class="muted">No replies yet.</p>`
          : html`<ol class="thread" aria-label="Replies">${data.replies.map((r) => html`<li key=${r.id}
              class=${r.author.role === "user" ? "" : "staff"}>
              <div class="meta"><strong>${author(r, user)}</strong><${When} at=${r.created_at} /><${ByEmail} reply=${r} /></div>
              <p class="body">${r.body}</p>
              <${Attachments} attachments=${r.attachments} label="Files of this reply" /></li>`)}</ol>`}
      </section>
      <section class="notes" aria-labelledby="notes-title">
        <h2 id="notes-title">Internal notes — not visible to the customer</h2>
        <${Attachments} attachments=${data.internalFiles} label="Internal files" />
        ${data.notes.length === 0 ? html`<p class="muted">No internal notes.</p>`
          : html`<ol class="thread" aria-label="Internal notes">${data.notes.map((n) => html`<li key=${n.id}>
              <div class="meta"><strong>${n.agent_id === user.id ? "You" : "Another agent"}</strong>
                <${When} at=${n.created_at} /></div>
              <p class="body">${n.note}</p>
              <${Attachments} attachments=${n.attachments} label="Files of this note" /></li>`)}</ol>`}
      </section>
    </div>
    ${writing && html`<${Composer} ticketId=${ticket.id} compose=${compose} onSent=${reload}
      setMode=${(mode) => setCompose((c) => ({ ...c, mode }))} />`}
    <${Shortcuts} keys=${keys} />
  </article>`;
}
