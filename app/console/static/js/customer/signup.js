// Sign up as a customer (POST /api/auth/register/), then log in at once.
import { login, post } from "../api.js";
import { homeOf } from "../routes.js";
import { ErrorMessage, Field, Form, html, navigate, useAction, useState } from "../ui.js";

const FIELDS = ["name", "email", "password", "contact_number"];

export default function SignUp() {
  const [form, setForm] = useState({ name: "", email: "", password: "", contact_number: "" });
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const [submit, busy, error] = useAction(async () => {
    const body = { ...form, contact_number: form.contact_number || undefined };
    await post("/api/auth/register/", body, { auth: false });
    navigate(homeOf(await login(form.email, form.password)));
  });
  return html`<${Form} onSubmit=${submit} aria-label="Create an account">
    <${Field} label="Name" name="name" autocomplete="name" value=${form.name} onInput=${set("name")} error=${error} />
    <${Field} label="Email" name="email" type="email" autocomplete="email" value=${form.email} onInput=${set("email")} error=${error} />
    <${Field} label="Password" name="password" type="password" autocomplete="new-password"
      value=${form.password} onInput=${set("password")} error=${error} />
    <${Field} label="Phone number (optional)" name="contact_number" type="tel" autocomplete="tel"
      value=${form.contact_number} onInput=${set("contact_number")} error=${error} />
    <${ErrorMessage} error=${error} shown=${FIELDS} />
    <button type="submit" disabled=${busy}>Create account</button>
    <p>Already have an account? <a href="#/login">Log in</a>.</p>
  </${Form}>`;
}
