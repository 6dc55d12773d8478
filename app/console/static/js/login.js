// Log in: one screen for customers, agents and admins.
import { login } from "./api.js";
import { homeOf } from "./routes.js";
import { ErrorMessage, Field, Form, html, navigate, useAction, useState } from "./ui.js";

export default function Login({ query }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [submit, busy, error] = useAction(async () => {
    const user = await login(email, password);
    navigate(query.get("next") || homeOf(user));
  });
  return html`<${Form} onSubmit=${submit} aria-label="Log in">
    <${Field} label="Email" name="email" type="email" autocomplete="username" value=${email}
      onInput=${(e) => setEmail(e.target.value)} error=${error} />
    <${Field} label="Password" name="password" type="password" autocomplete="current-password"
      value=${password} onInput=${(e) => setPassword(e.target.value)} error=${error} />
    <${ErrorMessage} error=${error} shown=${["email", "password"]} />
    <button type="submit" disabled=${busy}>Log in</button>
    <p>New here? <a href="#/signup">Create an account</a>. <a href="#/faq">Read the FAQ</a>.</p>
  </${Form}>`;
}
