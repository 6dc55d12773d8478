// Every screen of the console, in one place. A route:
//   path:   "/tickets/:id" (":name" parts become props.params.name; a query after "?" is
//           props.query, a URLSearchParams)
//   title:  the page's <h1> and document title
//   roles:  who may open it: "user" (customers), "support_agent", "admin"; "public" for anyone,
//           signed in or not; "guest" for the signed-out only (login, sign-up)
//   nav:    a label puts it in the menu of those roles (in this order)
//   screen: () => import("./area/file.js"), a module whose default export is the component
// The first route with a nav label for a role is that role's home.
// Agent screens go under js/agent/, admin screens under js/admin/, one line each below.

export const routes = [
  { path: "/login", title: "Log in", roles: ["guest"], screen: () => import("./login.js") },
  { path: "/signup", title: "Create an account", roles: ["guest"], screen: () => import("./customer/signup.js") },
  { path: "/tickets", title: "My tickets", roles: ["user"], nav: "My tickets", screen: () => import("./customer/tickets.js") },
  { path: "/tickets/new", title: "New ticket", roles: ["user"], nav: "New ticket", screen: () => import("./customer/new-ticket.js") },
  { path: "/tickets/:id", title: "Ticket", roles: ["user"], screen: () => import("./customer/ticket.js") },
  // Agent screens (js/agent/):
  { path: "/agent/queue", title: "Queue", roles: ["support_agent"], nav: "Queue", screen: () => import("./agent/queue.js") },
  { path: "/agent/tickets/:id", title: "Ticket", roles: ["support_agent", "admin"], screen: () => import("./agent/ticket.js") },
  // Admin screens (js/admin/):
  { path: "/admin/tickets", title: "All tickets", roles: ["admin"], nav: "All tickets", screen: () => import("./admin/tickets.js") },
  { path: "/admin/agents", title: "Agents", roles: ["admin"], nav: "Agents", screen: () => import("./admin/agents.js") },
  { path: "/admin/reports", title: "Reports", roles: ["admin"], nav: "Reports", screen: () => import("./admin/reports.js") },
  { path: "/admin/assignment", title: "Auto-assignment", roles: ["admin"], nav: "Auto-assignment", screen: () => import("./admin/assignment.js") },
  { path: "/admin/sla", title: "SLA policy", roles: ["admin"], nav: "SLA policy", screen: () => import("./admin/sla.js") },
  { path: "/admin/faq-unanswered", title: "Unanswered questions", roles: ["admin"], nav: "Unanswered", screen: () => import("./admin/faq-unanswered.js") },
  { path: "/admin/faq", title: "Edit the FAQ", roles: ["admin"], nav: "Edit FAQ", screen: () => import("./admin/faq.js") },
  { path: "/admin/quarantine", title: "Mail quarantine", roles: ["admin"], nav: "Quarantine", screen: () => import("./admin/quarantine.js") },
  { path: "/admin/webhooks", title: "Webhooks", roles: ["admin"], nav: "Webhooks", screen: () => import("./admin/webhooks.js") },
  { path: "/admin/macros", title: "Macros", roles: ["admin"], nav: "Macros", screen: () => import("./admin/macros.js") },
  { path: "/admin/mail", title: "Mail outbox", roles: ["admin"], nav: "Mail outbox", screen: () => import("./admin/mail.js") },
  { path: "/notifications", title: "Notifications", roles: ["user", "support_agent", "admin"], nav: "Notifications", screen: () => import("./account/notifications.js") },
  { path: "/canned", title: "Canned responses", roles: ["support_agent", "admin"], nav: "Canned responses", screen: () => import("./agent/canned-editor.js") },
  { path: "/survey/:token", title: "How did we do?", roles: ["public"], screen: () => import("./customer/survey.js") },
  // Last, so that each role's menu opens with its own screens:
  { path: "/faq", title: "Frequently asked questions", roles: ["public"], nav: "FAQ", screen: () => import("./customer/faq.js") },
];

// Where a user lands after logging in: the first menu entry of their role.
export function homeOf(user) {
  const first = user && routes.find((r) => r.nav && r.roles.includes(user.role));
  return first ? first.path : user ? "/faq" : "/login";
}
