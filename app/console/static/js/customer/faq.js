// The public FAQ (GET /api/support/faq/), by category.
import { get, query } from "../api.js";
import { CATEGORIES, ErrorMessage, Field, html, Loading, useLoad, useState } from "../ui.js";

export default function Faq() {
  const [category, setCategory] = useState("");
  const { data, error, loading } = useLoad(
    () => get(`/api/support/faq/${query({ category, limit: 100 })}`, { auth: false }), [category]);
  return html`<div class="toolbar">
      <${Field} label="Category" name="category" as="select" value=${category}
        options=${[["", "All categories"], ...CATEGORIES]} onChange=${(e) => setCategory(e.target.value)} />
    </div>
    <${ErrorMessage} error=${error} />
    ${loading && !data ? html`<${Loading} />` : data && (data.faqs.length === 0
      ? html`<p>No questions in this category yet.</p>`
      : data.faqs.map((faq) => html`<details>
          <summary>${faq.question}</summary><p class="body">${faq.answer}</p>
          <p class="muted">${faq.category}</p></details>`))}`;
}
