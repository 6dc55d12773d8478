"""Every access to the webhooks' collections is in app/webhooks/queries.py: the other
modules hand the database to its named functions and never reach into it."""

import ast
from pathlib import Path

WEBHOOKS = Path(__file__).resolve().parents[2] / "app" / "webhooks"


def _reaches_into_the_database(node: ast.AST) -> bool:
    """`db.<anything>` or `self.db.<anything>`."""
    if not isinstance(node, ast.Attribute):
        return False
    base = node.value
    return (isinstance(base, ast.Name) and base.id == "db") or (
        isinstance(base, ast.Attribute) and base.attr == "db"
    )


def test_only_queries_touches_collections() -> None:
    found = [
        f"{path.name}:{node.lineno}"
        for path in sorted(WEBHOOKS.glob("*.py"))
        if path.name != "queries.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if _reaches_into_the_database(node)
    ]
    assert found == []
