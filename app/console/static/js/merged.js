// Where a merged ticket went on: "Merged into ticket #…", linked to the viewer's own screen of
// that ticket (path: "/tickets/" for customers, "/agent/tickets/" for agents).
import { html } from "./ui.js";

export const shortId = (id) => `#${id.slice(-6)}`;

export function MergedInto({ ticket, path }) {
  if (!ticket.merged_into) return null;
  const link = html`<a href=${`#${path}${ticket.merged_into}`}>ticket ${shortId(ticket.merged_into)}</a>`;
  return html`<p class="merged">Merged into ${link}: the conversation goes on there.</p>`;
}
