"""Canned responses: replies staff save once and insert into the composer, rendered with the
ticket's names (app/core/templates.py)."""
