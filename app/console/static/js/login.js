// Log in: one screen for customers, agents and admins; by password or an e-mailed link.
import { login, post } from "./api.js";
import { homeOf } from "./routes.js";
import { ErrorMessage, Field, Form, html, navigate, useAction, useEffect, useState } from "./ui.js";

export default function Login({ query }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [sent, setSent] = useState();
  const magic = query.get("magic");
  const [submit, busy, error] = useAction(async () => {
    const user = await login(email, password, magic);
    navigate(query.get("next") || homeOf(user));
  });
  const [mail, , mailError] = useAction(async () =>
    setSent((await post("/api/auth/magic-link/", { email }, { auth: false })).message));
  useEffect(() => { if (magic) submit(); }, []);
  return html`<${Form} onSubmit=${submit} aria-label="Log in">
    <${Field} label="Email" name="email" type="email" autocomplete="username" value=${email}
      onInput=${(e) => setEmail(e.target.value)} error=${error || mailError} />
    <${Field} label="Password" name="password" type="password" autocomplete="current-password"
      value=${password} onInput=${(e) => setPassword(e.target.value)} error=${error} />
    <${ErrorMessage} error=${error || mailError} shown=${["email", "password"]} />
    <button type="submit" disabled=${busy}>Log in</button>
    <button type="button" onClick=${mail}>Email me a sign-in link</button>
    <p role="status">${sent}</p>
    <p>New here? <a href="#/signup">Create an account</a>. <a href="#/faq">Read the FAQ</a>.</p>
  </${Form}>`;
}
