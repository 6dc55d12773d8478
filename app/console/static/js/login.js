// Log in: one screen for customers, agents and admins; by password or by an e-mailed link.
import { login, loginByLink, post } from "./api.js";
import { homeOf } from "./routes.js";
import { ErrorMessage, Field, Form, html, navigate, useAction, useEffect, useState } from "./ui.js";

export default function Login({ query }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [sent, setSent] = useState("");
  const done = (user) => navigate(query.get("next") || homeOf(user));
  const [submit, busy, error] = useAction(async () => done(await login(email, password)));
  const [mailLink, mailing, mailError] = useAction(async () =>
    setSent((await post("/api/auth/magic-link/", { email }, { auth: false })).message));
  const [byLink, , linkError] = useAction(async () => done(await loginByLink(query.get("magic"))));
  useEffect(() => { if (query.get("magic")) byLink(); }, []);
  return html`<${Form} onSubmit=${submit} aria-label="Log in">
    <${ErrorMessage} error=${linkError} />
    <${Field} label="Email" name="email" type="email" autocomplete="username" value=${email}
      onInput=${(e) => setEmail(e.target.value)} error=${error || mailError} />
    <${Field} label="Password" name="password" type="password" autocomplete="current-password"
      value=${password} onInput=${(e) => setPassword(e.target.value)} error=${error} />
    <${ErrorMessage} error=${error || mailError} shown=${["email", "password"]} />
    <button type="submit" disabled=${busy}>Log in</button>
    <button type="button" disabled=${mailing || !email} onClick=${mailLink}>Email me a sign-in link</button>
    ${sent && html`<p role="status">${sent}</p>`}
    <p>New here? <a href="#/signup">Create an account</a>. <a href="#/faq">Read the FAQ</a>.</p>
  </${Form}>`;
}
