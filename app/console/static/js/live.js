// The live event stream, shared by every screen: subscribe(fn) gets each event the signed-in
// user may see ({id, type, occurred_at, actor, ticket_id, visibility, data}), once, in order.
// EventSource cannot send headers, so each connection spends a fresh single-use stream token;
// after a lost connection the events missed meanwhile are read from the feed
// (GET /api/events/?after=) and handed on before the new stream's.

import { get, post, query } from "./api.js";

// Every type docs/events-and-webhooks.md lists: EventSource delivers named events only to
// listeners of that name.
const TYPES = [
  "ticket.created", "ticket.status_changed", "ticket.priority_changed", "ticket.assigned",
  "ticket.unassigned", "ticket.merged", "ticket.tags_changed", "reply.created", "note.created", "attachment.added", "attachment.deleted",
  "feedback.submitted", "sla.first_response_breached", "sla.resolution_breached",
  "agent.registered", "agent.approved", "user.deactivated", "user.activated", "faq.created",
  "faq.updated", "faq.deleted", "webhook.test", "webhook.disabled",
  "ticket.presence",
];
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

const subscribers = new Set();
const statusListeners = new Set();
const resyncListeners = new Set();
let reconnecting = false; // a connection was open before: the next one is a reconnection
let source = null;
let lastId = null; // the newest event handed on (a decimal sequence number)
let running = false;
let failures = 0;
let timer = null;

// fn(event) for every event; returns the unsubscribe function (call it when the screen goes).
export function subscribe(fn) { subscribers.add(fn); return () => subscribers.delete(fn); }

// fn() when events may have been missed and can't be caught up: the screens read anew.
export function onResync(fn) { resyncListeners.add(fn); return () => resyncListeners.delete(fn); }

// fn("connecting" | "live" | "offline") when the connection changes; returns unsubscribe.
export function onStatus(fn) { statusListeners.add(fn); return () => statusListeners.delete(fn); }

function setStatus(status) { for (const fn of statusListeners) fn(status); }

function deliver(event) {
  if (lastId !== null && Number(event.id) <= Number(lastId)) return; // seen already
  lastId = event.id;
  for (const fn of subscribers) {
    try { fn(event); } catch (error) { console.error(error); }
  }
}

async function catchUp() {
  let cursor = lastId;
  do {
    const page = await get(`/api/events/${query({ after: cursor, limit: 100 })}`);
    page.events.forEach(deliver);
    cursor = page.next_cursor;
  } while (cursor && running);
}

async function connect() {
  if (!running) return;
  setStatus("connecting");
  try {
    const { token } = await post("/api/events/stream-token/");
    if (!running) return;
    const stream = new EventSource(`/api/events/stream/${query({ token })}`);
    source = stream;
    const pending = [];
    let caughtUp = lastId === null;
    const onEvent = (message) => {
      const event = JSON.parse(message.data);
      if (caughtUp) deliver(event); else pending.push(event);
    };
    TYPES.forEach((type) => stream.addEventListener(type, onEvent));
    stream.onopen = async () => {
      failures = 0;
      setStatus("live");
      if (caughtUp) {
        // A reconnection before any event was seen: what was missed can't be asked for by
        // id, so the screens read everything again.
        if (reconnecting) for (const fn of resyncListeners) fn();
        reconnecting = true;
        return;
      }
      try { await catchUp(); } catch {
        stream.close(); retry(); return; // never past a gap: connect again and catch up then
      }
      caughtUp = true;
      pending.splice(0).forEach(deliver);
    };
    // The browser's own retry would reuse the spent token: close and connect anew instead.
    stream.onerror = () => { stream.close(); retry(); };
  } catch {
    retry();
  }
}

function retry() {
  source = null;
  if (!running) return;
  setStatus("offline");
  clearTimeout(timer);
  timer = setTimeout(connect, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
}

// The browser knows when its network goes: drop the stream then (it could stay silently
// half-open), and reconnect as soon as the network is back rather than at the next retry.
window.addEventListener("offline", () => {
  if (running && source) { source.close(); retry(); }
});
window.addEventListener("online", () => {
  if (running && !source) { clearTimeout(timer); failures = 0; connect(); }
});

// Called by the shell on login/restore; a screen never needs to.
export function start() {
  if (running) return;
  running = true;
  connect();
}

export function stop() {
  running = false;
  clearTimeout(timer);
  if (source) source.close();
  source = null;
  lastId = null;
  reconnecting = false;
  setStatus("offline");
}
