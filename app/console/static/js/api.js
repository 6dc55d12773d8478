// The console's only door to the server: the documented JSON API on the same origin.
// The access token lives in this module's memory only; the refresh token is an HttpOnly cookie
// (scoped to /api/auth/) that JavaScript never sees: login and refresh ask for it with
// {"session": "cookie"}, refresh and logout send no token and the browser adds the cookie.

let accessToken = null;
let currentUser = null;
let refreshing = null; // one refresh at a time: a refresh token works once
const sessionListeners = new Set();

export class ApiError extends Error {
  // status: HTTP status (0: no answer); code: the API's stable code ("invalid_input" for a
  // 400 with field errors); fields: {field: [messages]}.
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

async function toError(response) {
  let body = {};
  try { body = await response.json(); } catch { /* not JSON: the status speaks */ }
  if (typeof body.error === "string") {
    return new ApiError(response.status, body.code || "error", body.error);
  }
  const fields = {};
  for (const [name, messages] of Object.entries(body || {})) {
    if (Array.isArray(messages)) fields[name] = messages.map(String);
  }
  const general = fields.non_field_errors || [];
  const message = general.length ? general.join(" ") : Object.keys(fields).length
    ? "Please correct the marked fields." : `The server answered ${response.status}.`;
  return new ApiError(response.status, Object.keys(fields).length ? "invalid_input" : "error",
    message, fields);
}

export function user() { return currentUser; }

// fn(user or null) on every login, restore and logout; returns an unsubscribe function.
export function onSession(fn) { sessionListeners.add(fn); return () => sessionListeners.delete(fn); }

function setSession(answer) {
  accessToken = answer ? answer.access_token : null;
  currentUser = answer ? answer.user : null;
  for (const fn of sessionListeners) fn(currentUser);
}

// Query string from an object, leaving out empty values; arrays become comma lists.
export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// request("GET", "/api/support/tickets/", {...}) -> {data, etag, status}.
// options: body (JSON), form (FormData), ifMatch, ifNoneMatch, headers, auth (default true),
// blob (read the answer as a Blob). Throws ApiError. On 401 token_expired it refreshes once
// through the cookie and retries.
export async function request(method, path, options = {}) {
  const { body, form, ifMatch, ifNoneMatch, blob, auth = true } = options;
  const headers = { Accept: blob ? "*/*" : "application/json", ...options.headers };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  if (ifNoneMatch) headers["If-None-Match"] = ifNoneMatch;
  const send = () => {
    if (auth && accessToken) headers.Authorization = `Bearer ${accessToken}`;
    return fetch(path, {
      method, headers, credentials: "same-origin",
      body: form || (body !== undefined ? JSON.stringify(body) : undefined),
    });
  };
  let response;
  try {
    response = await send();
    if (response.status === 401 && auth && accessToken) {
      const error = await toError(response.clone());
      if (error.code === "token_expired" && await refresh()) response = await send();
    }
  } catch (failure) {
    throw new ApiError(0, "network", "The server could not be reached. Check the connection and try again.");
  }
  if (response.status === 304) return { data: null, etag: response.headers.get("ETag"), status: 304 };
  if (!response.ok) {
    const error = await toError(response);
    if (response.status === 401 && auth && currentUser) setSession(null); // the login has ended
    throw error;
  }
  const data = response.status === 204 ? null : blob ? await response.blob() : await response.json();
  return { data, etag: response.headers.get("ETag"), status: response.status };
}

export const get = (path, options) => request("GET", path, options).then((r) => r.data);
export const post = (path, body, options) => request("POST", path, { ...options, body }).then((r) => r.data);
export const put = (path, body, options) => request("PUT", path, { ...options, body }).then((r) => r.data);
export const patch = (path, body, options) => request("PATCH", path, { ...options, body }).then((r) => r.data);
export const del = (path, options) => request("DELETE", path, options).then((r) => r.data);

// Multipart upload of one file to a ticket (visibility "public" or "internal").
export function uploadAttachment(ticketId, file, visibility = "public") {
  const form = new FormData();
  form.append("file", file);
  form.append("visibility", visibility);
  return request("POST", `/api/support/tickets/${ticketId}/attachments/`, { form })
    .then((r) => r.data.attachment);
}

// An attachment's bytes as an object URL (images in <img>, downloads); revoke it when done.
export async function attachmentUrl(attachmentId) {
  const { data } = await request("GET", `/api/support/attachments/${attachmentId}/`, { blob: true });
  return URL.createObjectURL(data);
}

export async function login(email, password, token) { // token: an e-mailed link's
  const answer = await post(`/api/auth/${token ? "magic-link/verify" : "login"}/`,
    { ...(token ? { token } : { email, password }), session: "cookie" }, { auth: false });
  setSession(answer);
  return answer.user;
}

// A new access token from the refresh cookie; false when there is no session to refresh.
// Tabs of one browser share the cookie: they take turns (Web Locks), so a second tab sends the
// cookie the first one's refresh set, never the spent one (a reuse would end the login).
const inTurn = (fn) => (navigator.locks ? navigator.locks.request("support-refresh", fn) : fn());

export function refresh() {
  refreshing ||= inTurn(() => post("/api/auth/refresh/", { session: "cookie" }, { auth: false }))
    .then((answer) => { setSession(answer); return true; })
    .catch(() => { setSession(null); return false; })
    .finally(() => { refreshing = null; });
  return refreshing;
}

// On page load: the session the cookie still holds, if any (the user, or null).
export async function restore() {
  return (await refresh()) ? currentUser : null;
}

export async function logout() {
  try {
    await post("/api/auth/logout/", {}, { auth: false });
  } finally {
    setSession(null);
  }
}
