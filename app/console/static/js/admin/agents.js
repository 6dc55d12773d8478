// Agents: approve those waiting; deactivate or activate the approved ones.
import { post } from "../api.js";
import { announce, ErrorMessage, html, useAction, useLive, When } from "../ui.js";
import { Activation, Rows, usePaged } from "./common.js";

function Waiting({ agent, onApproved }) {
  const [approve, busy, error] = useAction(async () => {
    await post(`/api/admin/approve-agent/${agent.id}/`);
    announce(`${agent.name} is approved`);
    onApproved();
  });
  return html`<li>
    <p class="title">${agent.name}</p>
    <div class="meta"><span>${agent.email}</span><span>Registered <${When} at=${agent.created_at} /></span></div>
    <div class="actions"><button type="button" onClick=${approve} disabled=${busy}>Approve ${agent.name}</button></div>
    <${ErrorMessage} error=${error} />
  </li>`;
}

export default function Agents() {
  const waiting = usePaged("/api/admin/agents/", "agents", { approved: false });
  const approved = usePaged("/api/admin/agents/", "agents", { approved: true });
  const reload = () => { waiting.reload(); approved.reload(); };
  useLive((event) => { if (/^(agent|user)\./.test(event.type)) reload(); }, [waiting.reload, approved.reload]);
  return html`<h2>Waiting for approval</h2>
    <${Rows} list=${waiting} label="Waiting for approval" empty="No agent is waiting."
      row=${(a) => html`<${Waiting} key=${a.id} agent=${a} onApproved=${reload} />`} />
    <h2>Approved agents</h2>
    <${Rows} list=${approved} label="Approved agents" empty="No approved agent yet."
      row=${(a) => html`<li key=${`${a.id}-${a.is_active}`}>
        <p class="title">${a.name}</p><div class="meta"><span>${a.email}</span></div>
        <${Activation} id=${a.id} who=${a.name} active=${a.is_active} />
      </li>`} />`;
}
