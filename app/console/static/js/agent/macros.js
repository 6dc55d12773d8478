// Macros: a preview (nothing written), then Apply with its ETag as If-Match, or Cancel.
import { get, request } from "../api.js";
import { announce, ErrorMessage, html, useAction, useRef, useState } from "../ui.js";

export const describe = (m) => [m.set_status && `set status to ${m.set_status}`,
  m.set_priority && `set priority to ${m.set_priority}`, m.add_tags[0] && `add tags ${m.add_tags.join(", ")}`,
  m.remove_tags[0] && `remove tags ${m.remove_tags.join(", ")}`].filter(Boolean).join(", ");

export function MacroMenu({ ticket, onApplied }) {
  const dialog = useRef(null);
  const [chosen, setChosen] = useState(null);
  const url = (m) => `/api/support/tickets/${ticket.id}/macros/${m.id}/apply/`;
  const [load, , error, setError] = useAction(async () => (await get("/api/agent/macros/")).macros);
  const [list, setList] = useState(null);
  const act = (fn) => async (...a) => { setError(null); try { await fn(...a); } catch (e) { setError(e); } };
  const open = act(async () => { setChosen(null); dialog.current.showModal(); setList(await load()); });
  const preview = act(async (m) => setChosen({ m, ...(await request("POST", `${url(m)}?preview=true`)) }));
  const apply = act(async () => {
    await request("POST", url(chosen.m), { ifMatch: chosen.etag });
    dialog.current.close();
    announce(`Macro applied: ${chosen.m.title}`);
    onApplied();
  });
  const said = chosen && describe(chosen.m);
  const { reply, note } = (chosen && chosen.data) || {};
  return html`<p><button type="button" class="secondary" aria-haspopup="dialog" onClick=${open}>Macros…</button></p>
    <dialog ref=${dialog} class="merge" aria-labelledby="macros-title">
      <h2 id="macros-title">Macros</h2>
      <${ErrorMessage} error=${error} />
      ${list && !chosen && html`<ul class="rows" aria-label="Macros">${list.map((m) => html`<li key=${m.id}>
        <button type="button" class="secondary" onClick=${() => preview(m)}>${m.title}</button></li>`)}</ul>`}
      ${chosen && html`<section aria-label="Preview"><h3>${chosen.m.title}</h3>
        ${said && html`<p>Will ${said}.</p>`}
        ${reply && html`<p>Will send reply:</p><p class="body">${reply.body}</p>`}
        ${note && html`<p>Will add internal note:</p><p class="body">${note.note}</p>`}
        <button type="button" onClick=${apply}>Apply</button>
        <button type="button" class="secondary" onClick=${() => setChosen(null)}>Cancel</button></section>`}
      <p><button type="button" class="secondary" onClick=${() => dialog.current.close()}>Close</button></p>
    </dialog>`;
}
