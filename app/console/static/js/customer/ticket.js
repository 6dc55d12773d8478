// One of the customer's tickets: details, the public thread with its files, a reply composer
// with attachments, the public timeline, and feedback once it is Resolved or Closed. The
// stream keeps it current: any event of this ticket reloads it.
import { get, post, request, uploadAttachment } from "../api.js";
import { MergedInto } from "../merged.js";
import { Attachments, Timeline, ByEmail } from "../parts.js";
import {
  announce, ErrorMessage, Field, Form, html, Loading, StatusBadge, useAction, useLive, useLoad,
  useState, When,
} from "../ui.js";

async function loadTicket(id) {
  const base = `/api/support/tickets/${id}`;
  const [detail, replies, files, events] = await Promise.all([
    request("GET", `${base}/`), get(`${base}/replies/?limit=100`),
    get(`${base}/attachments/`), get(`${base}/events/?limit=100`),
  ]);
  const inReplies = new Set(replies.replies.flatMap((r) => r.attachments.map((a) => a.id)));
  return {
    ticket: detail.data.ticket, etag: detail.etag, replies: replies.replies,
    files: files.attachments.filter((a) => !inReplies.has(a.id)), events: events.events,
    rating: events.events.filter((e) => e.type === "feedback.submitted").map((e) => e.data.rating)[0],
  };
}

function Reply({ ticketId, onSent }) {
  const [body, setBody] = useState("");
  const [files, setFiles] = useState([]);
  const [send, busy, error] = useAction(async (event) => {
    const ids = [];
    for (const file of files) ids.push((await uploadAttachment(ticketId, file)).id);
    await post(`/api/support/tickets/${ticketId}/replies/`, { body, attachment_ids: ids });
    setBody("");
    setFiles([]);
    event.target.reset();
    announce("Reply sent");
    onSent();
  });
  return html`<${Form} onSubmit=${send} aria-label="Reply">
    <${Field} label="Your reply" name="body" as="textarea" value=${body}
      onInput=${(e) => setBody(e.target.value)} error=${error} />
    <${Field} label="Attach files (optional)" name="file" type="file" multiple error=${error}
      accept="image/*,application/pdf,text/plain" onChange=${(e) => setFiles([...e.target.files])} />
    <${ErrorMessage} error=${error} shown=${["body", "file"]} />
    <button type="submit" disabled=${busy}>${busy ? "Sending…" : "Send reply"}</button>
  </${Form}>`;
}

function Feedback({ ticketId, onSent }) {
  const [rating, setRating] = useState("");
  const [comment, setComment] = useState("");
  const [send, busy, error] = useAction(async () => {
    await post(`/api/support/tickets/${ticketId}/feedback/`, { rating, comment: comment || undefined });
    announce("Thank you for your feedback");
    onSent();
  });
  const ratingErrors = (error && error.fields && error.fields.rating) || [];
  return html`<${Form} onSubmit=${send} aria-label="Feedback">
    <fieldset aria-describedby=${ratingErrors.length ? "rating-error" : undefined}>
      <legend>How did we do? (1 = poor, 5 = excellent)</legend>
      <div class="ratings">${["1", "2", "3", "4", "5"].map((value) => html`<label>
        <input type="radio" name="rating" value=${value} checked=${rating === value}
          onChange=${() => setRating(value)} /> ${value}</label>`)}</div>
      ${ratingErrors.length > 0 && html`<p class="field-error" id="rating-error">${ratingErrors.join(" ")}</p>`}
    </fieldset>
    <${Field} label="Comment (optional)" name="comment" as="textarea" value=${comment}
      onInput=${(e) => setComment(e.target.value)} error=${error} />
    <${ErrorMessage} error=${error} shown=${["rating", "comment"]} />
    <button type="submit" disabled=${busy}>Send feedback</button>
  </${Form}>`;
}

export default function Ticket({ params }) {
  const { data, error, loading, reload } = useLoad(() => loadTicket(params.id), [params.id]);
  useLive((event) => {
    if (event.ticket_id !== params.id) return;
    reload();
    announce("This ticket was updated");
  }, [params.id, reload]);
  if (!data) return loading ? html`<${Loading} what="Loading the ticket" />` : html`<${ErrorMessage} error=${error} />`;
  const { ticket } = data;
  const finished = ticket.status === "Resolved" || ticket.status === "Closed";
  return html`<article aria-labelledby="ticket-subject">
    <h2 id="ticket-subject">${ticket.subject}</h2>
    <div class="meta"><${StatusBadge} status=${ticket.status} /><span>${ticket.category}</span>
      <span>Priority ${ticket.priority}</span><span>Opened <${When} at=${ticket.created_at} /></span>
      ${ticket.delivery_id && html`<span>Delivery ${ticket.delivery_id}</span>`}</div>
    <p class="body">${ticket.description}</p>
    <${MergedInto} ticket=${ticket} path="/tickets/" />
    <${Attachments} attachments=${data.files} label="Files on this ticket" />
    <${ErrorMessage} error=${error} />
    <h2>Conversation</h2>
    ${data.replies.length === 0 ? html`<p class="muted">No replies yet.</p>`
      : html`<ol class="thread" aria-label="Replies">${data.replies.map((r) => html`<li key=${r.id}
          class=${r.author.role === "user" ? "" : "staff"}>
          <div class="meta"><strong>${r.author.role === "user" ? "You" : `${r.author.name} (support)`}</strong>
            <${When} at=${r.created_at} /><${ByEmail} reply=${r} /></div>
          <p class="body">${r.body}</p><${Attachments} attachments=${r.attachments} label="Files of this reply" />
        </li>`)}</ol>`}
    ${ticket.status === "Closed" ? html`<p>This ticket is closed.</p>`
      : html`<${Reply} ticketId=${ticket.id} onSent=${reload} />`}
    ${finished && html`<h2>Feedback</h2>${data.rating
      ? html`<p>You rated this ticket ${data.rating} out of 5. Thank you.</p>`
      : html`<${Feedback} ticketId=${ticket.id} onSent=${reload} />`}`}
    <h2>Timeline</h2>
    <${Timeline} events=${data.events} />
  </article>`;
}
