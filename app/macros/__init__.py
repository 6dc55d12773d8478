"""Macros: named sets of actions (a public reply, an internal note, a status, a priority,
tags) an admin saves once and staff apply to a ticket in one step, or preview."""
