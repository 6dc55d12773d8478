// The satisfaction survey of a resolved ticket, from the link in its mail (no sign-in).
import { get, post } from "../api.js";
import { ErrorMessage, Field, Form, html, Loading, useAction, useLoad, useState } from "../ui.js";

const LABELS = ["1 (poor)", "2", "3", "4", "5 (excellent)"];

export default function Survey({ params }) {
  const url = `/api/surveys/${encodeURIComponent(params.token)}/`;
  const { data, error, setData } = useLoad(() => get(url, { auth: false }), [url]);
  const [rating, setRating] = useState("");
  const [comment, setComment] = useState("");
  const [send, busy, failed] = useAction(async () =>
    setData(await post(url, { rating, comment }, { auth: false })));
  if (!data) return error ? html`<${ErrorMessage} error=${error} />` : html`<${Loading} />`;
  const { survey } = data;
  const given = survey.rating && html`<p role="status">You rated it ${survey.rating} of 5. Thank you!</p>`;
  if (survey.status === "expired") return html`<p>This survey about “${survey.ticket_subject}” has closed.</p>${given}`;
  return html`<p>How did we do with “${survey.ticket_subject}”?</p>${given}
    <${Form} onSubmit=${send} aria-label="Rate the answer">
      <fieldset><legend>Your rating</legend>
        ${LABELS.map((label, i) => html`<label><input type="radio" name="rating" value=${i + 1}
          checked=${rating === String(i + 1)} onChange=${() => setRating(String(i + 1))} /> ${label}</label>`)}
      </fieldset>
      <${Field} label="Comment (optional)" name="comment" as="textarea" value=${comment}
        onInput=${(e) => setComment(e.target.value)} error=${failed} />
      <${ErrorMessage} error=${failed} shown=${["comment"]} />
      <button type="submit" disabled=${busy || !rating}>${survey.rating ? "Change my rating" : "Send my rating"}</button>
    </${Form}>`;
}
