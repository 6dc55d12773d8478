"""Presence: which staff have a ticket open, and who is typing a reply on it."""
