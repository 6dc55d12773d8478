// Auto-assignment settings (GET|PUT /api/admin/assignment/): mode, cap, category matching.
import { get, put } from "../api.js";
import { ErrorMessage, Field, Form, html, Loading, useAction, useEffect, useLoad, useState } from "../ui.js";

const NAMES = ["mode", "max_open_per_agent", "match_categories"];

export default function Assignment() {
  const settings = useLoad(() => get("/api/admin/assignment/"), []);
  const [values, setValues] = useState(null);
  const [saved, setSaved] = useState("");
  useEffect(() => { if (settings.data) setValues(settings.data); }, [settings.data]);
  const [save, busy, error] = useAction(async () => {
    setSaved("");
    const cap = values.max_open_per_agent;
    setValues(await put("/api/admin/assignment/", { ...values, max_open_per_agent: /^\d+$/.test(cap) ? Number(cap) : cap }));
    setSaved("Saved.");
  });
  if (!values) return settings.loading ? html`<${Loading} />` : html`<${ErrorMessage} error=${settings.error} />`;
  const set = (name, value) => setValues({ ...values, [name]: value });
  return html`<${Form} onSubmit=${save} aria-label="Auto-assignment">
    <${Field} as="select" label="Mode" name="mode" error=${error} value=${values.mode}
      options=${[["off", "Off: agents take tickets"], ["load_balanced", "Load balanced"]]}
      onChange=${(e) => set("mode", e.target.value)} />
    <${Field} label="Most open tickets per agent" name="max_open_per_agent" inputmode="numeric"
      error=${error} value=${values.max_open_per_agent} onInput=${(e) => set("max_open_per_agent", e.target.value)} />
    <label><input type="checkbox" name="match_categories" checked=${values.match_categories}
      onChange=${(e) => set("match_categories", e.target.checked)} /> Only to agents who take the ticket's category</label>
    <${ErrorMessage} error=${error} shown=${NAMES.slice(0, 2)} />
    ${saved && html`<p class="success" role="status">${saved}</p>`}
    <button type="submit" disabled=${busy}>Save settings</button>
  </${Form}>`;
}
