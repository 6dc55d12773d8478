// A resolved ticket's satisfaction survey, from its mail's link (no sign-in).
import { get, post } from "../api.js";
import { ErrorMessage, Field, Form, html, useAction, useLoad, useState } from "../ui.js";

export default function Survey({ params }) {
  const url = `/api/surveys/${params.token}/`, opt = { auth: false };
  const { data, error, setData } = useLoad(() => get(url, opt), [url]);
  const [rating, setRating] = useState();
  const [comment, setComment] = useState("");
  const [send, , failed] = useAction(async () => setData(await post(url, { rating, comment }, opt)));
  const s = data?.survey;
  return html`<${ErrorMessage} error=${error || failed} />${s && html`<p>${s.status === "expired"
    ? "This survey has closed" : "How did we do"}: “${s.ticket_subject}”</p>
    ${s.rating && html`<p role="status">You rated it ${s.rating} of 5. Thank you!</p>`}
    ${s.status !== "expired" && html`<${Form} onSubmit=${send} aria-label="Rate the answer">
      <fieldset><legend>Your rating (5 is best)</legend>${"12345".split("").map((n) => html`<label>
        <input type="radio" name="rating" onChange=${() => setRating(n)} />${n}</label>`)}</fieldset>
      <${Field} label="Comment" name="comment" as="textarea" value=${comment}
        onInput=${(e) => setComment(e.target.value)} />
      <button type="submit">Send</button></${Form}>`}`}`;
}
