// FAQ editing: the questions (GET /api/support/faq/), one form to add (POST /api/admin/faq/),
// and each question edited in place (PUT) or deleted after a confirmation (DELETE).
import { del, post, put } from "../api.js";
import { announce, CATEGORIES, ErrorMessage, Field, Form, html, Loading, useAction, useState } from "../ui.js";
import { More, under, usePaged } from "./common.js";

// Add (faq undefined) or edit one question; field names end in `suffix` so forms differ.
function FaqForm({ faq, onSaved, onCancel }) {
  const suffix = faq ? `-${faq.id}` : "";
  const [values, setValues] = useState(faq || { question: "", answer: "", category: "Other" });
  const [save, busy, failure] = useAction(async () => {
    const body = { question: values.question, answer: values.answer, category: values.category };
    await (faq ? put(`/api/admin/faq/${faq.id}/`, body) : post("/api/admin/faq/", body));
    announce(faq ? "Question saved" : "Question added");
    if (!faq) setValues({ question: "", answer: "", category: values.category });
    onSaved();
  });
  const names = ["question", "answer", "category"];
  const error = under(failure, names, suffix);
  const field = (name) => ({ name: name + suffix, error, value: values[name],
    onInput: (e) => setValues({ ...values, [name]: e.target.value }) });
  return html`<${Form} onSubmit=${save} aria-label=${faq ? `Edit: ${faq.question}` : "Add a question"}>
    <${Field} label="Question" ...${field("question")} />
    <${Field} label="Answer" as="textarea" ...${field("answer")} />
    <${Field} label="Category" as="select" options=${CATEGORIES} ...${field("category")}
      onChange=${(e) => setValues({ ...values, category: e.target.value })} />
    <${ErrorMessage} error=${error} shown=${names.map((n) => n + suffix)} />
    <div class="actions"><button type="submit" disabled=${busy}>${faq ? "Save" : "Add question"}</button>
      ${onCancel && html`<button type="button" class="secondary" onClick=${onCancel}>Cancel</button>`}</div>
  </${Form}>`;
}

function Question({ faq, onChanged }) {
  const [mode, setMode] = useState("show"); // show | edit | confirm
  const [remove, busy, error] = useAction(async () => {
    await del(`/api/admin/faq/${faq.id}/`);
    announce("Question deleted");
    onChanged();
  });
  if (mode === "edit") {
    return html`<li><${FaqForm} faq=${faq} onSaved=${() => { setMode("show"); onChanged(); }}
      onCancel=${() => setMode("show")} /></li>`;
  }
  return html`<li>
    <p class="title">${faq.question}</p><p class="body">${faq.answer}</p>
    <div class="meta"><span>${faq.category}</span></div>
    <div class="actions">${mode === "confirm"
      ? html`<span>Delete this question?</span>
        <button type="button" onClick=${remove} disabled=${busy}>Yes, delete</button>
        <button type="button" class="secondary" onClick=${() => setMode("show")}>Keep it</button>`
      : html`<button type="button" class="secondary" onClick=${() => setMode("edit")}
          aria-label=${`Edit: ${faq.question}`}>Edit</button>
        <button type="button" class="secondary" onClick=${() => setMode("confirm")}
          aria-label=${`Delete: ${faq.question}`}>Delete</button>`}</div>
    <${ErrorMessage} error=${error} />
  </li>`;
}

export default function FaqEditor() {
  const list = usePaged("/api/support/faq/", "faqs");
  return html`<h2>Add a question</h2>
    <${FaqForm} onSaved=${list.reload} />
    <h2>Questions</h2>
    <${ErrorMessage} error=${list.error} />
    ${!list.items ? list.loading && html`<${Loading} />`
      : list.items.length === 0 ? html`<p class="muted">No questions yet.</p>`
      : html`<ul class="list" aria-label="Questions">${list.items.map((faq) => html`<${Question}
          key=${`${faq.id}-${faq.question}-${faq.answer}-${faq.category}`} faq=${faq} onChanged=${list.reload} />`)}</ul>`}
    <${More} list=${list} />`;
}
