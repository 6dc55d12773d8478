import createClient from "openapi-fetch";
import type { paths, components } from "./schema";

type ErrorOut = components["schemas"]["ErrorOut"];

// A 400 is either {error, code} or {field: [messages]}: this tells them apart.
function isError(body: unknown): body is ErrorOut {
  return typeof body === "object" && body !== null && "code" in body && "error" in body;
}

export async function flow(token: string): Promise<string> {
  const api = createClient<paths>({ baseUrl: "http://localhost:8000" });
  const headers = { Authorization: `Bearer ${token}` };
  const created = await api.POST("/api/support/tickets/create/", {
    headers,
    body: { subject: "Broken", description: "Crushed", category: "Damaged" },
  });
  if (created.error) {
    if (isError(created.error) && created.error.code === "rate_limited") return "later";
    return "failed";
  }
  const id: string = created.data.ticket.id;
  const detail = await api.GET("/api/support/tickets/{ticket_id}/", {
    params: { path: { ticket_id: id } },
    headers,
  });
  if (detail.data) {
    const view = detail.data;
    if (view.view === "staff") {
      const notes: number = view.internal_notes.length;
      return `staff ${notes}`;
    }
    return view.ticket.status;
  }
  const taken = await api.POST("/api/support/tickets/{ticket_id}/assign-self/", {
    params: { path: { ticket_id: id } },
    headers,
  });
  if (taken.error) {
    if (isError(taken.error) && taken.error.code === "ticket_already_assigned") {
      const message: ErrorOut["error"] = taken.error.error;
      return message;
    }
  }
  const list = await api.GET("/api/admin/support/tickets/", {
    params: { query: { status: ["Open"], sort: "due_at", q: "broken" } },
    headers,
  });
  return list.data ? `${list.data.tickets.length}` : "none";
}
