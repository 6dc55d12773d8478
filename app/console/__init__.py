"""The web console: a single-page front end for customers, agents and admins, written against
the public JSON API only and shipped as static files in this package (no build step)."""
