// FAQ answers while the ticket is written: GET /api/support/faq/suggest/ as the customer
// types (debounced), each answer expandable (counted as opened) and markable as helpful.
// category: only answers of it (undefined: of every category).
import { get, post, query } from "../api.js";
import { html, useEffect, useState } from "../ui.js";

export const newSession = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

export default function FaqSuggestions({ text, category, session }) {
  const [found, setFound] = useState([]);
  const [helped, setHelped] = useState(null);
  useEffect(() => {
    const q = text.trim().slice(0, 1000);
    if (q.length < 3) return setFound([]);
    const timer = setTimeout(() => get(`/api/support/faq/suggest/${query({ q, category, limit: 3, session })}`)
      .then((d) => setFound(d.suggestions), () => {}), 300);
    return () => clearTimeout(timer);
  }, [text, category]);
  const react = (s, path, body = {}) => post(`/api/support/faq/${s.id}/${path}/`, { ...body, session }).catch(() => {});
  if (!found.length) return null;
  return html`<section aria-label="Suggested answers" class="suggestions"><h2>Does one of these answer your question?</h2>
    ${found.map((s) => html`<details key=${s.id} onToggle=${(e) => e.target.open && react(s, "opened")}>
      <summary>${s.question}</summary><p>${s.answer}</p>
      ${helped === s.id ? html`<p role="status">Glad it helped: you need not send the ticket.</p>`
        : html`<button type="button" onClick=${() => { setHelped(s.id); react(s, "feedback", { helpful: true }); }}>This answered my question</button>`}
    </details>`)}</section>`;
}
