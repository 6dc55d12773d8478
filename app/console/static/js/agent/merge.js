// Merge: a dialog listing the customer's other tickets this agent works on (not Closed), to
// pick and merge into the ticket shown (POST .../merge/); the answer is said and shown.
import { get, post, query } from "../api.js";
import { shortId } from "../merged.js";
import { announce, ErrorMessage, Form, html, useAction, useRef, useState } from "../ui.js";

const OPEN = ["Open", "In Progress", "On Hold", "Resolved"];

export function MergeDialog({ ticket, onMerged }) {
  const dialog = useRef(null);
  const [others, setOthers] = useState(null);
  const [picked, setPicked] = useState([]);
  const [done, setDone] = useState("");
  const [load, loading, loadError] = useAction(async () => {
    const list = await get(`/api/agent/tickets/${query({
      customer_id: ticket.customer_id, assigned: "me", status: OPEN, limit: 100 })}`);
    setOthers(list.tickets.filter((t) => t.id !== ticket.id));
  });
  const open = () => { setPicked([]); setDone(""); dialog.current.showModal(); load(); };
  const toggle = (id) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const [merge, busy, error] = useAction(async () => {
    await post(`/api/support/tickets/${ticket.id}/merge/`, { source_ticket_ids: picked });
    const said = `Merged ${picked.map(shortId).join(", ")} into this ticket`;
    setDone(said);
    setOthers(null);
    announce(said);
    onMerged();
  });
  return html`<p><button type="button" class="secondary" onClick=${open}>Merge…</button></p>
    <dialog ref=${dialog} class="merge" aria-labelledby="merge-title">
      <h2 id="merge-title">Merge tickets into this one</h2>
      ${done && html`<p role="status">${done}.</p>`}
      ${loading && html`<p>Loading the customer's tickets…</p>`}
      <${ErrorMessage} error=${loadError} />
      ${others && (others.length === 0 ? html`<p class="muted">This customer has no other open ticket of yours.</p>`
        : html`<${Form} aria-label="Merge" onSubmit=${merge}>
          <fieldset><legend>Their replies, notes and files move here; they are closed.</legend>
            ${others.map((t) => html`<label key=${t.id} class="pick"><input type="checkbox"
              checked=${picked.includes(t.id)} onChange=${() => toggle(t.id)} />
              ${shortId(t.id)} ${t.subject} (${t.status})</label>`)}
          </fieldset>
          <${ErrorMessage} error=${error} />
          <button type="submit" disabled=${busy || picked.length === 0}>Merge into this ticket</button>
        </${Form}>`)}
      <p><button type="button" class="secondary" onClick=${() => dialog.current.close()}>Close</button></p>
    </dialog>`;
}
