// Questions customers asked that the FAQ answered badly (GET /api/admin/faq/unanswered/).
import { get } from "../api.js";
import { ErrorMessage, html, Loading, useLoad } from "../ui.js";

export default function Unanswered() {
  const { data, error, loading } = useLoad(() => get("/api/admin/faq/unanswered/?days=30"));
  if (loading) return html`<${Loading} />`;
  if (error) return html`<${ErrorMessage} error=${error} />`;
  if (!data.questions.length) return html`<p>No unanswered questions in the last 30 days.</p>`;
  return html`<table><caption>Asked in the last 30 days, most frequent first</caption>
    <thead><tr><th scope="col">Question</th><th scope="col">Times asked</th><th scope="col">Best score</th></tr></thead>
    <tbody>${data.questions.map((q) => html`<tr key=${q.query}><td>${q.query}</td><td>${q.count}</td><td>${q.best_score}</td></tr>`)}</tbody></table>`;
}
