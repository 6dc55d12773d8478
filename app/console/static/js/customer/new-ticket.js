// A new ticket: the ticket first (POST /api/support/tickets/create/), then each photo
// (POST .../attachments/), previewed before upload.
import { post, uploadAttachment } from "../api.js";
import { CATEGORIES, ErrorMessage, Field, Form, html, navigate, useAction, useEffect, useMemo, useState } from "../ui.js";
import FaqSuggestions, { newSession } from "./faq-suggest.js";

const FIELDS = ["subject", "description", "category", "delivery_id"];

export default function NewTicket() {
  const [form, setForm] = useState({ subject: "", description: "", category: "Damaged", delivery_id: "" });
  const [files, setFiles] = useState([]);
  const [created, setCreated] = useState(null); // a ticket made whose photos failed
  const session = useMemo(newSession, []);
  // Damaged is only the form's default: suggestions keep to a category once the customer
  // chooses one (the API then leaves out every other category's answers).
  const [chosen, setChosen] = useState(false);
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const previews = useMemo(() => files.map((file) =>
    ({ file, url: file.type.startsWith("image/") ? URL.createObjectURL(file) : null })), [files]);
  useEffect(() => () => previews.forEach((p) => p.url && URL.revokeObjectURL(p.url)), [previews]);
  const [submit, busy, error] = useAction(async () => {
    let ticket = created;
    if (!ticket) {
      const body = { ...form, delivery_id: form.delivery_id.trim() || undefined, suggestion_session: session };
      ticket = (await post("/api/support/tickets/create/", body)).ticket;
      setCreated(ticket);
    }
    for (const file of files) {
      await uploadAttachment(ticket.id, file);
      setFiles((left) => left.filter((f) => f !== file));
    }
    navigate(`/tickets/${ticket.id}`);
  });
  return html`<${Form} onSubmit=${submit} aria-label="New ticket">
    <${Field} label="Subject" name="subject" value=${form.subject} onInput=${set("subject")} error=${error} disabled=${!!created} />
    <${Field} label="What happened?" name="description" as="textarea" value=${form.description}
      onInput=${set("description")} error=${error} disabled=${!!created} />
    <${FaqSuggestions} text=${`${form.subject} ${form.description}`} category=${chosen ? form.category : undefined}
      session=${session} />
    <${Field} label="Category" name="category" as="select" options=${CATEGORIES} value=${form.category}
      onChange=${(e) => { setChosen(true); set("category")(e); }} error=${error} disabled=${!!created} />
    <${Field} label="Delivery id (optional)" name="delivery_id" value=${form.delivery_id}
      hint="As printed on the delivery note or the shipping e-mail." onInput=${set("delivery_id")} error=${error} disabled=${!!created} />
    <${Field} label="Photos (optional)" name="file" type="file" multiple accept="image/*,application/pdf,text/plain"
      hint="JPEG, PNG, WebP, GIF or HEIC photos; PDF or text files." error=${error}
      onChange=${(e) => setFiles([...e.target.files])} />
    ${previews.length > 0 && html`<ul class="previews" aria-label="Files to upload">${previews.map((p) => html`<li>
      ${p.url ? html`<img src=${p.url} alt=${`Preview of ${p.file.name}`} />` : p.file.name}</li>`)}</ul>`}
    ${created && html`<p class="error" role="alert">Your ticket was created; a file could not be uploaded.
      Try again, or <a href=${`#/tickets/${created.id}`}>open the ticket</a>.</p>`}
    <${ErrorMessage} error=${error} shown=${[...FIELDS, "file"]} />
    <button type="submit" disabled=${busy}>${busy ? "Sending…" : created ? "Upload the files" : "Create ticket"}</button>
  </${Form}>`;
}
