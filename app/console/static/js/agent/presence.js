// Who else is on this ticket: a heartbeat every 10 s while the screen is open ("typing" while
// the composer holds text, sent at once when that changes), its answer the others on it; their
// `ticket.presence` events update the line between beats. Leaving the screen ends ours.
import { del, post } from "../api.js";
import { html, useEffect, useLive, useRef, useState } from "../ui.js";

const BEAT_MS = 10000;
const composing = () => [...document.querySelectorAll(".composer textarea")].some((t) => t.value.trim());

export function Presence({ ticketId, user }) {
  const [others, setOthers] = useState([]);
  const state = useRef("");
  useEffect(() => {
    const url = `/api/support/tickets/${ticketId}/presence/`;
    const beat = (force) => {
      const now = composing() ? "typing" : "viewing";
      if (!force && now === state.current) return;
      state.current = now;
      post(url, { state: now }).then((r) => setOthers(r.viewers), () => {});
    };
    const onInput = (e) => { if (e.target.closest(".composer")) beat(false); };
    beat(true);
    const timer = setInterval(() => beat(true), BEAT_MS);
    document.addEventListener("input", onInput);
    return () => {
      clearInterval(timer);
      document.removeEventListener("input", onInput);
      del(url).catch(() => {});
    };
  }, [ticketId]);
  useLive((event) => {
    const d = event.data;
    if (event.type !== "ticket.presence" || event.ticket_id !== ticketId || d.agent_id === user.id) return;
    setOthers((list) => [...list.filter((v) => v.agent_id !== d.agent_id),
      ...(d.state === "left" ? [] : [d])]);
  }, [ticketId]);
  return html`<p class="muted" role="status">${others.length > 0 && `Also here: ${others
    .map((v) => `${v.name} (${v.state === "typing" ? "typing…" : "viewing"})`).join(", ")}`}</p>`;
}
