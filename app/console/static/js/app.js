// The shell: restores the session from the refresh cookie, routes #/paths to the screens of
// routes.js, shows the menu of the user's role, and starts the live stream while signed in.

import * as api from "./api.js";
import * as live from "./live.js";
import { homeOf, routes } from "./routes.js";
import { html, Loading, navigate, render, useEffect, useRef, useState } from "./ui.js";

function parse() {
  const [path, search = ""] = (location.hash.replace(/^#/, "") || "/").split("?");
  for (const route of routes) {
    const names = [];
    const pattern = route.path.replace(/:(\w+)/g, (_, name) => { names.push(name); return "([^/]+)"; });
    const found = new RegExp(`^${pattern}/?$`).exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])]));
      return { route, path, params, query: new URLSearchParams(search) };
    }
  }
  return { route: null, path, params: {}, query: new URLSearchParams(search) };
}

const allows = (route, user) => route.roles.includes("public")
  || (user ? route.roles.includes(user.role) : route.roles.includes("guest"));

function Nav({ user }) {
  const links = routes.filter((r) => r.nav && (user ? allows(r, user) : r.roles.includes("public")));
  const current = location.hash.replace(/^#/, "").split("?")[0];
  return html`<nav aria-label="Main"><ul>
    ${links.map((r) => html`<li><a href=${`#${r.path}`}
      aria-current=${current === r.path ? "page" : undefined}>${r.nav}</a></li>`)}
    ${!user && html`<li><a href="#/login">Log in</a></li><li><a href="#/signup">Sign up</a></li>`}
  </ul></nav>`;
}

function Account({ user }) {
  const [busy, setBusy] = useState(false);
  const logout = async () => {
    setBusy(true);
    try { await api.logout(); } finally { setBusy(false); navigate("/login"); }
  };
  return html`<div class="account">
    <span>${user.name} <span class="muted">(${{ user: "customer", support_agent: "agent", admin: "admin" }[user.role]})</span></span>
    <button type="button" onClick=${logout} disabled=${busy}>Log out</button>
  </div>`;
}

function Page({ at, user }) {
  const [screen, setScreen] = useState(null);
  const [failed, setFailed] = useState(null);
  const heading = useRef(null);
  const { route } = at;
  useEffect(() => {
    let shown = true; // a screen that loads after the person has gone on is not shown
    setScreen(null);
    setFailed(null);
    if (route && allows(route, user)) {
      route.screen().then((module) => shown && setScreen(() => module.default),
        (error) => shown && setFailed(error));
    }
    document.title = `${route ? route.title : "Not found"} · Support console`;
    if (heading.current) heading.current.focus();
    return () => { shown = false; };
  }, [route, at.path, user && user.id]);
  if (!route) {
    return html`<h1 ref=${heading} tabindex="-1">Page not found</h1>
      <p><a href=${`#${homeOf(user)}`}>Go to the start page</a></p>`;
  }
  if (!allows(route, user)) {
    return html`<h1 ref=${heading} tabindex="-1">${route.title}</h1>
      <p>You do not have access to this page. <a href=${`#${homeOf(user)}`}>Go to the start page</a></p>`;
  }
  const Screen = screen;
  return html`<h1 ref=${heading} tabindex="-1">${route.title}</h1>
    ${failed ? html`<p class="error" role="alert">This page could not be loaded. Reload to try again.</p>`
      : Screen ? html`<${Screen} params=${at.params} query=${at.query} user=${user} />` : html`<${Loading} />`}`;
}

function App() {
  const [user, setUser] = useState(undefined); // undefined while the session is restored
  const [at, setAt] = useState(parse);
  const [liveStatus, setLiveStatus] = useState("offline");
  const [epoch, setEpoch] = useState(0); // a new value mounts the screen again: it reads anew
  useEffect(() => {
    const onHash = () => setAt(parse());
    window.addEventListener("hashchange", onHash);
    const unsubscribe = api.onSession((next) => {
      setUser(next);
      if (next) live.start(); else live.stop();
    });
    const unwatch = live.onStatus(setLiveStatus);
    const unresync = live.onResync(() => setEpoch((n) => n + 1));
    api.restore();
    return () => { window.removeEventListener("hashchange", onHash); unsubscribe(); unwatch(); unresync(); };
  }, []);
  // Signed out: screens that need a login go to it (and back after); signed in: no login page.
  // Only from where the browser still is: a render of a place already left (the login screen
  // has sent the user on, or they went elsewhere meanwhile) must not send them back from there.
  useEffect(() => {
    if (user === undefined || !at.route || allows(at.route, user)) return;
    if (parse().path !== at.path) return;
    if (!user && !at.route.roles.includes("guest")) navigate(`/login?next=${encodeURIComponent(at.path)}`);
    else if (user && at.route.roles.includes("guest")) navigate(at.query.get("next") || homeOf(user));
  }, [user, at]);
  if (user === undefined) return html`<main id="main"><${Loading} what="Opening the console" /></main>`;
  if (!at.route && at.path === "/") { navigate(homeOf(user)); return null; }
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>Skip to content</a>
    <header class="top">
      <a class="brand" href=${`#${homeOf(user)}`}>Support</a>
      <${Nav} user=${user} />
      ${user && html`<${Account} user=${user} />`}
    </header>
    <main id="main" tabindex="-1"><${Page} key=${epoch} at=${at} user=${user} /></main>
    <footer class="muted">${user ? `Live updates: ${liveStatus}` : ""}</footer>
    <div id="announcer" class="visually-hidden" aria-live="polite"></div>`;
}

render(html`<${App} />`, document.getElementById("root"));
