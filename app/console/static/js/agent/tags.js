// Tags (staff only): chips, the ticket's editor (POST .../tags/), and the lists' tag filter.
import { post } from "../api.js";
import { announce, ErrorMessage, Field, Form, html, useAction, useState } from "../ui.js";

// remove(tag): a chip with its Remove button.
export function TagChips({ tags, remove }) {
  if (!tags || tags.length === 0) return null;
  return html`<ul class="tags" aria-label="Tags">${tags.map((tag) => html`<li key=${tag} class="badge">
    ${tag}${remove && html` <button type="button" class="secondary" aria-label=${`Remove tag ${tag}`}
      onClick=${() => remove(tag)}>×</button>`}</li>`)}</ul>`;
}

export function TagEditor({ ticket, editable, onChanged }) {
  const [text, setText] = useState("");
  const [change, busy, error] = useAction(async (body) => {
    await post(`/api/support/tickets/${ticket.id}/tags/`, body);
    setText("");
    announce("Tags saved");
    onChanged();
  });
  if (!editable) return html`<${TagChips} tags=${ticket.tags} />`;
  return html`<${TagChips} tags=${ticket.tags} remove=${(tag) => change({ remove: [tag] })} />
    <${Form} class="toolbar" aria-label="Tags" onSubmit=${() => change({ add: split(text) })}>
      <${Field} label="Add tag" name="tag" value=${text} error=${error}
        onInput=${(e) => setText(e.target.value)} />
      <button type="submit" disabled=${busy}>Add</button>
    </${Form}><${ErrorMessage} error=${error} />`;
}

export const split = (text) => text.split(/[\s,]+/).filter(Boolean);

// The staff lists' filter: the tickets that have every tag typed.
export function TagFilter({ value, onChange }) {
  const [text, setText] = useState(value || "");
  return html`<${Form} class="toolbar" role="search" aria-label="Filter by tag"
      onSubmit=${() => onChange(split(text).join(","))}>
    <${Field} label="Tags (all of)" name="tag-filter" type="search" value=${text}
      onInput=${(e) => setText(e.target.value)} />
    <button type="submit" class="secondary">Filter by tag</button>
  </${Form}>`;
}
