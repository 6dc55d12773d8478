// Pieces of a ticket page that customer, agent and admin screens share: attachments shown
// with the token (images as thumbnails), and the timeline of a ticket's events in words.
import { attachmentUrl } from "./api.js";
import { bytes, html, useEffect, useState, When } from "./ui.js";

async function download(attachment) {
  const url = await attachmentUrl(attachment.id);
  const link = Object.assign(document.createElement("a"), { href: url, download: attachment.filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function Attachment({ attachment }) {
  const [src, setSrc] = useState(null);
  const [failed, setFailed] = useState(null);
  const image = attachment.content_type.startsWith("image/");
  useEffect(() => {
    if (!image) return undefined;
    let url = null;
    attachmentUrl(attachment.id).then((u) => { url = u; setSrc(u); }, setFailed);
    return () => url && URL.revokeObjectURL(url);
  }, [attachment.id]);
  const label = `${attachment.filename} (${bytes(attachment.size)})`;
  return html`<li>
    ${src && html`<img src=${src} alt=${attachment.filename} />`}
    <button type="button" class="secondary" onClick=${() => download(attachment).catch(setFailed)}
      aria-label=${`Download ${label}`}>${label}</button>
    ${attachment.visibility === "internal" && html` <span class="badge">internal</span>`}
    ${failed && html`<span class="field-error" role="alert"> ${failed.message}</span>`}
  </li>`;
}

export function Attachments({ attachments, label = "Attachments" }) {
  if (!attachments || attachments.length === 0) return null;
  return html`<ul class="attachments" aria-label=${label}>
    ${attachments.map((a) => html`<${Attachment} key=${a.id} attachment=${a} />`)}</ul>`;
}

const ROLE = { user: "customer", support_agent: "agent", admin: "admin" };

export function describeEvent(event) {
  const d = event.data || {};
  const who = event.actor && event.actor.type === "user" ? ROLE[event.actor.role] || "user" : "system";
  switch (event.type) {
    case "ticket.created": return `Ticket opened by the ${who}`;
    case "ticket.status_changed": return `Status changed from ${d.from} to ${d.to}`;
    case "ticket.priority_changed": return `Priority changed from ${d.from} to ${d.to}`;
    case "ticket.assigned": return "Assigned to an agent";
    case "ticket.unassigned": return "Back in the queue";
    case "ticket.tags_changed": return `Tags: ${[...d.added.map((t) => `+${t}`), ...d.removed.map((t) => `-${t}`)].join(" ")}`;
    case "reply.created": return `Reply by the ${who}`;
    case "note.created": return `Internal note by the ${who}`;
    case "attachment.added": return `File added: ${d.filename}`;
    case "attachment.deleted": return `File removed: ${d.filename}`;
    case "feedback.submitted": return `Rated ${d.rating} out of 5`;
    default: return event.type.replace(/[._]/g, " ");
  }
}

export function Timeline({ events }) {
  if (!events || events.length === 0) return html`<p class="muted">Nothing yet.</p>`;
  return html`<ol class="timeline" aria-label="Timeline">${events.map((e) => html`<li key=${e.id}>
    <${When} at=${e.occurred_at} />: ${describeEvent(e)}</li>`)}</ol>`;
}

// A reply that came by e-mail (issue 24), marked in the thread.
export const ByEmail = ({ reply }) => reply.via === "email" && html` <span class="badge">by e-mail</span>`;
