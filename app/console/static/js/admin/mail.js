// The mail outbox: the newest messages, by status, with their attempts and last error.
import { get, query } from "../api.js";
import { ErrorMessage, html, Loading, useLoad, useState } from "../ui.js";

export default function Outbox() {
  const [status, setStatus] = useState("");
  const list = useLoad(() => get(`/api/admin/mail/outbox/${query({ status })}`), [status]);
  const rows = list.data ? list.data.messages : [];
  return html`<label for="outbox-status">Status</label>
    <select id="outbox-status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
      ${["", "queued", "sent", "failed"].map((s) => html`<option value=${s}>${s || "All"}</option>`)}
    </select>
    <${ErrorMessage} error=${list.error} />
    ${list.loading ? html`<${Loading} />` : rows.length ? html`<table class="outbox"><caption>Messages, newest first</caption>
      <thead><tr><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead>
      <tbody>${rows.map((m) => html`<tr key=${m.id}><td>${m.to}</td><td>${m.subject}</td><td>${m.status}</td><td>${m.attempts}</td><td>${m.last_error || ""}</td></tr>`)}</tbody>
    </table>` : html`<p>No messages.</p>`}`;
}
