// Canned responses in the composer: "::" then a few letters lists the caller's and the shared
// ones whose title or shortcut has them; Up/Down and Enter (or a click) insert the chosen
// one, rendered for the ticket (names filled in), in place of the "::…" typed.
import { get, post } from "../api.js";
import { announce, html, useEffect, useRef, useState } from "../ui.js";

const TRIGGER = /::([\w-]*)$/;

export function CannedPicker({ ticketId, field }) {
  const [all, setAll] = useState(null);
  const [found, setFound] = useState(null); // {typed, items, at} while the list is open
  const asked = useRef(false); // one request for the list, however fast the typing
  const area = () => document.getElementById(`field-${field}`);
  const look = () => {
    const el = area();
    const typed = TRIGGER.exec(el.value.slice(0, el.selectionStart));
    if (!typed) return setFound(null);
    if (!asked.current) {
      asked.current = true;
      get("/api/agent/canned-responses/").then((r) => setAll(r.canned_responses), () => setAll([]));
    }
    const q = typed[1].toLowerCase();
    const items = (all || []).filter((c) => c.title.toLowerCase().includes(q) || (c.shortcut || "").includes(q));
    return setFound({ typed: typed[0], items, at: 0 });
  };
  const choose = async (canned) => {
    const { body } = await post(`/api/support/tickets/${ticketId}/canned-responses/${canned.id}/render/`);
    const el = area();
    const end = el.selectionStart - found.typed.length;
    el.value = el.value.slice(0, end) + body + el.value.slice(el.selectionStart);
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.focus();
    announce(`Inserted: ${canned.title}`);
  };
  const keys = (e) => {
    const n = found ? found.items.length : 0;
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (!found) return;
    if (e.key === "Escape") setFound(null);
    else if (step && n) setFound({ ...found, at: (found.at + step + n) % n });
    else if (e.key === "Enter" && n) choose(found.items[found.at]);
    else return;
    e.preventDefault();
  };
  const on = useRef();
  on.current = { look, keys };
  useEffect(() => {
    const el = area();
    const input = () => on.current.look();
    const key = (e) => on.current.keys(e);
    el.setAttribute("aria-controls", "canned-list");
    el.addEventListener("input", input);
    el.addEventListener("keydown", key);
    return () => { el.removeEventListener("input", input); el.removeEventListener("keydown", key); };
  }, [field]);
  useEffect(() => { if (all && found) look(); }, [all]);
  const active = found && found.items[found.at];
  useEffect(() => {
    if (active) area().setAttribute("aria-activedescendant", `canned-${active.id}`);
    else area().removeAttribute("aria-activedescendant");
  }, [active && active.id]);
  return html`<ul id="canned-list" role="listbox" aria-label="Canned responses" class="canned" hidden=${!found}>
    ${found && (found.items.length === 0
      ? html`<li role="option" aria-disabled="true" aria-selected="false">${all ? "No canned response matches" : "Loading…"}</li>`
      : found.items.map((c) => html`<li role="option" key=${c.id} id=${`canned-${c.id}`}
          aria-selected=${c === active ? "true" : "false"} onMouseDown=${(e) => { e.preventDefault(); choose(c); }}>
          ${c.title}${c.shortcut && html` <span class="muted">::${c.shortcut}</span>`}${c.shared && html` <span class="muted">(shared)</span>`}</li>`))}
  </ul>`;
}
