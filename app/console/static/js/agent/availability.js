// The agent's switch for auto-assignment (PUT /api/agent/availability/), in the queue's header:
// available or not, and the categories taken when an admin has categories matched.
import { get, put } from "../api.js";
import { announce, CATEGORIES, ErrorMessage, html, useAction, useLive, useLoad } from "../ui.js";

export default function Availability() {
  const mine = useLoad(() => get("/api/agent/availability/"), []);
  useLive((event) => { if (event.ticket_id) mine.reload(); }, []); // the open count
  const [save, busy, error] = useAction(async (change) => {
    const { available, categories } = { ...mine.data, ...change };
    mine.setData({ ...mine.data, ...change }); // the switch moves at once
    try {
      mine.setData(await put("/api/agent/availability/", { available, categories }));
    } catch (failure) { mine.reload(); throw failure; }
    announce(available ? "Available for new tickets" : "Not available for new tickets");
  });
  if (!mine.data) return html`<${ErrorMessage} error=${mine.error} />`;
  const { available, categories, open_tickets: open } = mine.data;
  const toggle = (c) => save({ categories: categories.includes(c) ? categories.filter((x) => x !== c) : [...categories, c] });
  return html`<fieldset class="availability"><legend>Auto-assignment (${open} open)</legend>
    <label><input type="checkbox" checked=${available} disabled=${busy}
      onChange=${(e) => save({ available: e.target.checked })} /> Available for new tickets</label>
    ${CATEGORIES.map((c) => html` <label><input type="checkbox" checked=${categories.includes(c)}
      disabled=${busy} onChange=${() => toggle(c)} /> ${c}</label>`)}
    <p class="hint">No category ticked: any category.</p>
    <${ErrorMessage} error=${error} />
  </fieldset>`;
}
