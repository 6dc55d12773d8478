// What every screen shares: Preact + htm (re-exported, so screens import from here only),
// labelled form fields that show the API's field errors next to themselves, action errors
// announced to screen readers, data loading, live updates and small formatters.

import { html, useCallback, useEffect, useRef, useState } from "../vendor/htm-preact.js";
import { ApiError } from "./api.js";
import { subscribe } from "./live.js";

export { html, render, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "../vendor/htm-preact.js";

export const CATEGORIES = ["Damaged", "Lost", "Late", "Quality", "Other"];
export const STATUSES = ["Open", "In Progress", "On Hold", "Resolved", "Closed"];
export const PRIORITIES = ["High", "Medium", "Low"];

export function navigate(path) { location.hash = `#${path}`; }

// Focus on a Field once the render that fills or shows it is done.
export const focusField = (name) => setTimeout(() => document.getElementById(`field-${name}`)?.focus());

// Says `text` to screen readers through the shell's polite live region.
export function announce(text) {
  const region = document.getElementById("announcer");
  if (region) region.textContent = text;
}

// The messages the API gave for one field of a failed request ([] when none).
export function fieldErrors(error, name) {
  return (error instanceof ApiError && error.fields[name]) || [];
}

// A labelled control with its API errors underneath, tied by aria-describedby.
// as: "input" (default), "textarea" or "select" (options: [value] or [[value, label]]).
// Other props (type, value, onInput, autocomplete, ...) go to the control.
export function Field({ label, name, error, hint, as = "input", options = [], ...control }) {
  const id = `field-${name}`;
  const messages = fieldErrors(error, name);
  const described = [hint && `${id}-hint`, messages.length && `${id}-error`].filter(Boolean).join(" ");
  const props = { id, name, "aria-invalid": messages.length ? "true" : undefined,
    "aria-describedby": described || undefined, ...control };
  const input = as === "select"
    ? html`<select ...${props}>${options.map((o) => {
        const [value, text] = Array.isArray(o) ? o : [o, o];
        return html`<option value=${value}>${text}</option>`;
      })}</select>`
    : as === "textarea" ? html`<textarea ...${props} />` : html`<input ...${props} />`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${input}
    ${messages.length > 0 && html`<ul class="field-error" id=${`${id}-error`}>
      ${messages.map((m) => html`<li>${m}</li>`)}</ul>`}
  </div>`;
}

// The error of an action, in words, where the action is; field errors that no Field on the
// form shows (list the shown ones in `shown`) are spelled out here too.
export function ErrorMessage({ error, shown = [] }) {
  if (!error) return null;
  const extra = error instanceof ApiError
    ? Object.entries(error.fields).filter(([name]) => name !== "non_field_errors" && !shown.includes(name))
    : [];
  return html`<div class="error" role="alert">
    <p>${error.message}</p>
    ${extra.map(([name, messages]) => html`<p>${name.replace(/_/g, " ")}: ${messages.join(" ")}</p>`)}
  </div>`;
}

// [run, busy, error, setError]: run(...args) calls fn, keeps its ApiError for ErrorMessage
// and Field, and returns fn's result (undefined when it failed).
export function useAction(fn) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (...args) => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (failure) {
      if (!(failure instanceof ApiError)) console.error(failure);
      setError(failure);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return [run, busy, error, setError];
}

// {data, error, loading, reload, setData}: loader() runs now and whenever deps change.
export function useLoad(loader, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loader();
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, deps);
  useEffect(() => { reload(); }, [reload]);
  return { ...state, reload, setData: (data) => setState((s) => ({ ...s, data })) };
}

// fn(event) for each live event while the component is shown.
export function useLive(fn, deps = []) {
  useEffect(() => subscribe(fn), deps);
}

// <form> that calls onSubmit without reloading the page.
export function Form({ onSubmit, children, ...props }) {
  const submit = (event) => { event.preventDefault(); onSubmit(event); };
  return html`<form ...${props} onSubmit=${submit} noValidate>${children}</form>`;
}

export function Loading({ what = "Loading" }) {
  return html`<p class="muted" role="status">${what}…</p>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status.toLowerCase().replace(/ /g, "-")}`}>${status}</span>`;
}

export function When({ at }) {
  if (!at) return null;
  const date = new Date(at);
  return html`<time datetime=${at} title=${date.toISOString()}>${date.toLocaleString()}</time>`;
}

export function bytes(size) {
  return size < 1024 ? `${size} B` : size < 1048576 ? `${(size / 1024).toFixed(0)} KB`
    : `${(size / 1048576).toFixed(1)} MB`;
}
