"""Issue 20, code health: one name for one thing, and no names nothing uses."""

import ast
from pathlib import Path

from app.auth.principal import User
from app.tickets import service

APP = Path(__file__).resolve().parents[2] / "app"


def defined_at_top(name: str) -> list[str]:
    where = []
    for path in APP.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                where.append(str(path.relative_to(APP)))
    return where


def test_constants_the_issue_found_twice_are_defined_once() -> None:
    for name in ("OLDEST_FIRST", "ID_EXAMPLE"):
        assert len(defined_at_top(name)) == 1, (name, defined_at_top(name))


def test_unused_names_are_gone() -> None:
    assert not hasattr(service, "Page")
    assert not hasattr(User, "is_admin") and not hasattr(User, "is_approved_agent")
