// Mail held back (issue 24): who sent it, why; Release processes it as if it had matched.
import { get, post } from "../api.js";
import { announce, ErrorMessage, html, Loading, useAction, useLoad, When } from "../ui.js";

function Held({ message, onDone }) {
  const [release, busy, error] = useAction(async () => {
    const answer = await post(`/api/admin/mail/quarantine/${message.id}/release/`);
    announce(`Released: ${answer.result.replace("_", " ")}`);
    onDone();
  });
  return html`<li><div class="meta"><strong>${message.from}</strong><${When} at=${message.received_at} /></div>
    <p class="body">${message.subject}</p><p class="muted">Reason: ${message.reason}</p>
    <button type="button" onClick=${release} disabled=${busy}
      aria-label=${`Release the mail from ${message.from}`}>Release</button><${ErrorMessage} error=${error} /></li>`;
}

export default function Quarantine() {
  const list = useLoad(() => get("/api/admin/mail/quarantine/"), []);
  if (!list.data) return list.loading ? html`<${Loading} />` : html`<${ErrorMessage} error=${list.error} />`;
  const messages = list.data.messages;
  if (!messages.length) return html`<p class="muted">No mail in quarantine.</p>`;
  return html`<ol class="thread" aria-label="Held mail, newest first">
    ${messages.map((m) => html`<${Held} key=${m.id} message=${m} onDone=${list.reload} />`)}</ol>`;
}
