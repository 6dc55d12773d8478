// What the admin screens share.
import { ApiError, get, post, query } from "../api.js";
import { announce, ErrorMessage, Field, html, Loading, useAction, useLoad, useState } from "../ui.js";

// A list read 100 at a time, rows under `key`: {items, error, loading, reload, more, moreError}.
export function usePaged(path, key, params = {}, deps = []) {
  const [extra, setExtra] = useState({ items: [] });
  const read = (cursor) => get(path + query({ ...params, limit: 100, cursor }));
  const first = useLoad(() => { setExtra({ items: [] }); return read(); }, deps);
  const cursor = "cursor" in extra ? extra.cursor : first.data && first.data.next_cursor;
  const more = cursor && (() => read(cursor).then(
    (next) => setExtra({ items: [...extra.items, ...next[key]], cursor: next.next_cursor }),
    (error) => setExtra({ ...extra, error })));
  return { ...first, items: first.data && [...first.data[key], ...extra.items], more, moreError: extra.error };
}

// A usePaged list as <ul aria-label=label>, each item drawn by row(item), with its errors
// (field errors of the filters in `shown` are said at their fields).
export const Rows = ({ list, label, empty, row, shown }) => html`<${ErrorMessage}
    error=${list.error || list.moreError} shown=${shown} />
  ${!list.items ? list.loading && html`<${Loading} />` : list.items.length
    ? html`<ul class="list" aria-label=${label}>${list.items.map(row)}</ul>` : html`<p>${empty}</p>`}
  ${list.more && html`<button type="button" class="secondary" onClick=${list.more}>Show more</button>`}`;

export const approvedAgents = () => get("/api/admin/agents/?approved=true&limit=100")
  .then((answer) => answer.agents.filter((agent) => agent.is_active));

// Messages of "calendar.hours.monday.0" go to the field "calendar.hours.monday" (+ suffix).
export function under(error, names, suffix = "") {
  if (!(error instanceof ApiError)) return error;
  const moved = {};
  for (const [key, messages] of Object.entries(error.fields)) {
    const found = names.find((n) => key === n || key.startsWith(`${n}.`));
    const name = found ? found + suffix : key;
    moved[name] = [...(moved[name] || []), ...messages];
  }
  return new ApiError(error.status, error.code, error.message, moved);
}

// field(name, label, props): a Field showing values[name] and its errors, editing values.
export const fields = (values, setValues, error, suffix = "") => (name, label, more) => html`<${Field}
  label=${label} name=${name + suffix} error=${error} value=${values[name]} ...${more}
  onInput=${(e) => setValues({ ...values, [name]: e.target.value })} />`;

// While `active` is unknown (a customer), both buttons.
export function Activation({ id, who, active }) {
  const [state, setState] = useState(active);
  const [set, busy, error] = useAction(async (on) => {
    const answer = await post(`/api/admin/users/${id}/${on ? "" : "de"}activate/`);
    setState(answer.user.is_active);
    announce(`${who} is ${answer.user.is_active ? "active" : "deactivated"}`);
  });
  return html`<div class="actions">
    ${state !== undefined && html`<span class=${`badge ${state ? "" : "off"}`}>${state ? "Active" : "Deactivated"}</span>`}
    ${(state === undefined ? [false, true] : [!state]).map((on) => html`<button type="button" class="secondary"
      disabled=${busy} onClick=${() => set(on)}>${on ? "Activate" : "Deactivate"} ${who}</button>`)}
    <${ErrorMessage} error=${error} />
  </div>`;
}
