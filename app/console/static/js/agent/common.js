// What the agent screens share: the last queue shown (j/k in a ticket go to its neighbours),
// single-key shortcuts with their help dialog, and a ticket's SLA state in words.
import { html, useLayoutEffect, useRef, When } from "../ui.js";

// The ticket ids of the queue as last shown, in its order.
export const lastQueue = { ids: [] };

const HELP = [
  ["j", "Next ticket"], ["k", "Previous ticket"], ["r", "Reply to the customer"],
  ["n", "Write an internal note"], ["a", "Assign the ticket to me"], ["?", "Show these shortcuts"],
];

// No shortcut while the agent types, or inside a dialog (its own keys, Escape, stay native).
const typing = (target) => target.closest && target.closest("input, textarea, select, [contenteditable], dialog");

// keys: {j: fn, ...}; "?" opens the help. Renders the help's button and dialog.
export function Shortcuts({ keys }) {
  const dialog = useRef(null);
  const current = useRef(keys);
  current.current = keys;
  // Before the screen is painted: a key pressed as soon as it shows is not lost.
  useLayoutEffect(() => {
    const onKey = (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      const fn = event.key === "?" ? () => dialog.current.showModal() : current.current[event.key];
      if (!fn) return;
      event.preventDefault();
      fn();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return html`<p><button type="button" class="secondary" onClick=${() => dialog.current.showModal()}>
      Keyboard shortcuts</button></p>
    <dialog ref=${dialog} class="keys" aria-labelledby="keys-title">
      <h2 id="keys-title">Keyboard shortcuts</h2>
      <dl>${HELP.map(([key, what]) => html`<div><dt><kbd>${key}</kbd></dt><dd>${what}</dd></div>`)}</dl>
      <p class="muted">They work when no field has the focus. Escape closes this.</p>
      <form method="dialog"><button type="submit">Close</button></form>
    </dialog>`;
}

const DEADLINE = { first_response: "first response", resolution: "resolution" };

// The nearest deadline still running (docs/sla-and-reports.md: a met one stops, On Hold
// pauses the resolution clock, a finished ticket runs none).
function nextDue(ticket) {
  const { sla, status } = ticket;
  const due = [];
  if (sla.first_response_due_at && !ticket.first_response_at && status !== "Closed") due.push(sla.first_response_due_at);
  if (sla.resolution_due_at && !sla.paused && status !== "Resolved" && status !== "Closed") due.push(sla.resolution_due_at);
  return due.sort()[0];
}

// "SLA: breached (first response)", "SLA: at risk, due …", "SLA: due …": in words, not colour.
// atRisk comes from the list API's own sla=at_risk filter, whose window is the server's.
export function Sla({ ticket, atRisk }) {
  const { breached, paused } = ticket.sla;
  if (breached.length) {
    return html`<span class="sla sla-breached">SLA: breached (${breached.map((d) => DEADLINE[d]).join(", ")})</span>`;
  }
  const due = nextDue(ticket);
  if (!due) return html`<span class="sla">SLA: ${paused ? "paused while on hold" : "no deadline running"}</span>`;
  return html`<span class=${atRisk ? "sla sla-at-risk" : "sla"}>SLA: ${atRisk ? "at risk, due" : "due"} <${When} at=${due} /></span>`;
}
