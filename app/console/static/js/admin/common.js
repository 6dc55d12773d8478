// What the admin screens share: paged lists, the approved agents, activating users, and API
// field errors gathered under the form field they belong to.
import { ApiError, get, post, query } from "../api.js";
import { announce, ErrorMessage, html, useAction, useLoad, useState } from "../ui.js";

// A list read in pages of 100 from `path` + `params`, its rows under `key` in each answer:
// {items, error, loading, reload, more} (more: null on the last page, else reads the next).
export function usePaged(path, key, params = {}, deps = []) {
  const [extra, setExtra] = useState({ items: [], cursor: undefined, error: null });
  const first = useLoad(() => {
    setExtra({ items: [], cursor: undefined, error: null });
    return get(path + query({ ...params, limit: 100 }));
  }, deps);
  const cursor = extra.cursor !== undefined ? extra.cursor : first.data && first.data.next_cursor;
  const more = cursor ? async () => {
    try {
      const next = await get(path + query({ ...params, limit: 100, cursor }));
      setExtra({ items: [...extra.items, ...next[key]], cursor: next.next_cursor, error: null });
    } catch (error) { setExtra({ ...extra, error }); }
  } : null;
  return { ...first, items: first.data ? [...first.data[key], ...extra.items] : null, more, moreError: extra.error };
}

export function More({ list }) {
  return html`<${ErrorMessage} error=${list.moreError} />
    ${list.more && html`<button type="button" class="secondary" onClick=${list.more}>Show more</button>`}`;
}

export const approvedAgents = () => get("/api/admin/agents/?approved=true&limit=100")
  .then((answer) => answer.agents.filter((agent) => agent.is_active));

// The error with each field message moved to the first of `names` its key is or starts with
// ("calendar.hours.monday.0" under "calendar.hours.monday"), plus `suffix` (a form's fields
// are "question-<id>"), so Field shows it.
export function under(error, names, suffix = "") {
  if (!(error instanceof ApiError)) return error;
  const fields = {};
  for (const [key, messages] of Object.entries(error.fields)) {
    const found = names.find((n) => key === n || key.startsWith(`${n}.`));
    const name = found ? found + suffix : key;
    fields[name] = [...(fields[name] || []), ...messages];
  }
  return new ApiError(error.status, error.code, error.message, fields);
}

// Deactivate/activate a user (who: "Ada Agent", "customer Cora"). `active` unknown (undefined):
// both buttons until the API tells.
export function Activation({ id, who, active, onChange }) {
  const [state, setState] = useState(active);
  const [set, busy, error] = useAction(async (on) => {
    const answer = await post(`/api/admin/users/${id}/${on ? "activate" : "deactivate"}/`);
    setState(answer.user.is_active);
    const released = answer.released_tickets ? ` ${answer.released_tickets} of their tickets went back to the queue.` : "";
    announce(`${who} is ${answer.user.is_active ? "active" : "deactivated"}.${released}`);
    if (onChange) onChange(answer);
  });
  return html`<div class="actions">
    ${state !== undefined && html`<span class=${`badge ${state ? "" : "off"}`}>${state ? "Active" : "Deactivated"}</span>`}
    ${(state === undefined ? [false, true] : [!state]).map((on) => html`<button type="button" class="secondary"
      disabled=${busy} onClick=${() => set(on)}>${on ? "Activate" : "Deactivate"} ${who}</button>`)}
    <${ErrorMessage} error=${error} />
  </div>`;
}
