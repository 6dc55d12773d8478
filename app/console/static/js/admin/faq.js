// FAQ editing: add a question, edit one in place, delete one after a confirmation.
import { del, post, put } from "../api.js";
import { announce, CATEGORIES, ErrorMessage, Form, html, useAction, useState } from "../ui.js";
import { fields, Rows, under, usePaged } from "./common.js";

const NAMES = ["question", "answer", "category"];

// Adds (no faq) or edits; an edit form's fields are "question-<id>": ids stay unique.
function FaqForm({ faq, onSaved, onCancel }) {
  const suffix = faq ? `-${faq.id}` : "";
  const [values, setValues] = useState(faq || { question: "", answer: "", category: "Other" });
  const [save, busy, failure] = useAction(async () => {
    const body = { question: values.question, answer: values.answer, category: values.category };
    await (faq ? put(`/api/admin/faq/${faq.id}/`, body) : post("/api/admin/faq/", body));
    announce(faq ? "Question saved" : "Question added");
    if (!faq) setValues({ ...body, question: "", answer: "" });
    onSaved();
  });
  const error = under(failure, NAMES, suffix);
  const field = fields(values, setValues, error, suffix);
  return html`<${Form} onSubmit=${save} aria-label=${faq ? `Edit: ${faq.question}` : "Add a question"}>
    ${field("question", "Question")}${field("answer", "Answer", { as: "textarea" })}
    ${field("category", "Category", { as: "select", options: CATEGORIES })}
    <${ErrorMessage} error=${error} shown=${NAMES.map((n) => n + suffix)} />
    <div class="actions"><button type="submit" disabled=${busy}>${faq ? "Save" : "Add question"}</button>
      ${onCancel && html`<button type="button" class="secondary" onClick=${onCancel}>Cancel</button>`}</div>
  </${Form}>`;
}

function Question({ faq, onChanged }) {
  const [mode, setMode] = useState(""); // "", "edit" or "confirm"
  const [remove, busy, error] = useAction(async () => {
    await del(`/api/admin/faq/${faq.id}/`);
    announce("Question deleted");
    onChanged();
  });
  const button = (label, onClick, name) => html`<button type="button" class="secondary" onClick=${onClick}
    aria-label=${name && `${name}: ${faq.question}`} disabled=${busy}>${label}</button>`;
  if (mode === "edit") return html`<li><${FaqForm} faq=${faq} onSaved=${() => { setMode(""); onChanged(); }} onCancel=${() => setMode("")} /></li>`;
  return html`<li>
    <p class="title">${faq.question}</p><p class="body">${faq.answer}</p>
    <div class="meta">${faq.category}</div>
    <div class="actions">${mode === "confirm"
      ? html`Delete this question? ${button("Yes, delete", remove)}${button("Keep it", () => setMode(""))}`
      : html`${button("Edit", () => setMode("edit"), "Edit")}${button("Delete", () => setMode("confirm"), "Delete")}`}</div>
    <${ErrorMessage} error=${error} />
  </li>`;
}

export default function FaqEditor() {
  const list = usePaged("/api/support/faq/", "faqs");
  return html`<h2>Add a question</h2><${FaqForm} onSaved=${list.reload} />
    <h2>Questions</h2><${Rows} list=${list} label="Questions" empty="No questions yet."
      row=${(faq) => html`<${Question} key=${JSON.stringify(faq)} faq=${faq} onChanged=${list.reload} />`} />`;
}
