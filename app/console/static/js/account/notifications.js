// E-mail notifications (every role): one checkbox per kind of mail the role gets.
import { get, put } from "../api.js";
import { ErrorMessage, Form, html, Loading, useAction, useLoad, useState } from "../ui.js";

const LABELS = {
  ticket_created: "My new ticket is received", staff_reply: "Support replies to me",
  ticket_resolved: "My ticket is resolved", ticket_assigned: "A ticket is assigned to me",
  customer_reply: "A customer replies on my ticket", sla_breach: "An SLA deadline of my ticket is missed",
  agent_waiting: "An agent waits for approval",
};

export default function Notifications() {
  const load = useLoad(() => get("/api/me/notifications/"), []);
  const [saved, setSaved] = useState("");
  const [save, busy, error] = useAction(async () => {
    load.setData(await put("/api/me/notifications/", load.data));
    setSaved("Saved.");
  });
  if (!load.data) return load.loading ? html`<${Loading} />` : html`<${ErrorMessage} error=${load.error} />`;
  const email = load.data.email;
  const toggle = (kind) => (e) => { setSaved(""); load.setData({ email: { ...email, [kind]: e.target.checked } }); };
  return html`<${Form} onSubmit=${save} aria-label="E-mail notifications">
    <fieldset><legend>E-mail me when</legend>
      ${Object.keys(email).map((k) => html`<label><input type="checkbox" checked=${email[k]} onChange=${toggle(k)} /> ${LABELS[k] || k}</label>`)}
    </fieldset>
    <${ErrorMessage} error=${error} />
    ${saved && html`<p class="success" role="status">${saved}</p>`}
    <button type="submit" disabled=${busy}>Save</button>
  </${Form}>`;
}
