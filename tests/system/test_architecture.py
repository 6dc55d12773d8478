"""The shape of `app/`: domain packages whose imports point one way, and small modules."""

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Lower layers never import higher ones; packages on one layer never import each other.
# accounts sits above tickets: deactivating an agent hands their tickets back to the queue.
# assignment too: its changes hand out waiting tickets (tickets keep the loads, loads.py).
LAYERS = [
    {"core"},
    {"auth", "console"},
    {"events"},
    {"presence"},
    {"tickets"},
    {"replies", "assignment"},
    {"attachments", "faq", "accounts", "merges", "canned", "macros"},
    {"webhooks", "sla", "reports", "mail"},
    {"inbound"},  # mail that comes in: replies, tickets, attachments, accounts; mail's addresses
]
COMPOSITION = {"main", "cli", "demo", "__main__"}  # wire the domains together; import any
# Leaves: only the composition imports them (the console serves files and calls only the API).
LEAVES = {"console"}
MAX_MODULE_LINES = 300


def _layer(package: str) -> int:
    return next(rank for rank, layer in enumerate(LAYERS) if package in layer)


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name.split(".")[1] for name in names if name.startswith("app.") and "." in name}


def test_domain_imports_point_one_way() -> None:
    wrong: list[str] = []
    for path in APP.rglob("*.py"):
        package = path.relative_to(APP).parts[0].removesuffix(".py")
        if package in COMPOSITION or package == "__init__":
            continue
        for imported in _imported_packages(path) - {package}:
            if imported in COMPOSITION | LEAVES or _layer(imported) >= _layer(package):
                wrong.append(f"{path.relative_to(APP)} imports app.{imported}")
    assert not wrong, wrong


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set().union(*LAYERS)


def test_no_module_is_large() -> None:
    sizes = {
        str(path.relative_to(APP)): len(path.read_text().splitlines()) for path in APP.rglob("*.py")
    }
    assert all(lines <= MAX_MODULE_LINES for lines in sizes.values()), sizes


TICKET_UPDATES = {"update_one", "update_many", "find_one_and_update", "replace_one", "bulk_write"}
# The only functions that update the tickets collection: the one write path's query, and the
# start-up backfill of derived fields (no change anyone sees).
UPDATES_TICKETS = {
    ("tickets/queries.py", "update_ticket"),
    ("tickets/queries.py", "add_missing_keys"),
}


def _is_tickets_collection(node: ast.expr) -> bool:
    """`tickets(db)`, `queries.tickets(db)`, `db.tickets` or `db["tickets"]`."""
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id == "tickets") or (
            isinstance(func, ast.Attribute) and func.attr == "tickets"
        )
    if isinstance(node, ast.Attribute):
        return node.attr == "tickets"
    key = node.slice if isinstance(node, ast.Subscript) else None
    return isinstance(key, ast.Constant) and key.value == "tickets"


def _calls() -> Iterator[tuple[str, str, ast.Call, str]]:
    """Every call inside a function of app/: (module, function, the call, the name called)."""
    for path in APP.rglob("*.py"):
        module = str(path.relative_to(APP))
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if isinstance(call, ast.Call):
                    func = call.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    yield module, function.name, call, name


def test_tickets_change_only_through_the_one_write_path() -> None:
    """Every change of a ticket goes through app/tickets/write.py (sort keys, versions, guard,
    events): nothing else calls `update_ticket` or the collection's update methods."""
    wrong: set[str] = set()
    for module, function, call, name in _calls():
        func = call.func
        direct = (
            isinstance(func, ast.Attribute)
            and name in TICKET_UPDATES
            and _is_tickets_collection(func.value)
        )
        if direct and (module, function) not in UPDATES_TICKETS:
            wrong.add(f"{module}:{call.lineno} calls {name}")
        if name == "update_ticket" and module != "tickets/write.py":
            wrong.add(f"{module}:{call.lineno} calls update_ticket")
    assert not wrong, sorted(wrong)


FIND_AND_MODIFY = {"find_one_and_update", "find_one_and_delete", "find_one_and_replace"}
# A findAndModify reads the whole collection on the embedded server, whatever its filter
# (tests/system/test_db_contract.py, TestGuardedUpdates): only on collections of a few
# documents. Elsewhere an update (or delete) by `_id` whose count decides, then a read by `_id`.
# Keys: a module, or a module's function.
FIND_AND_MODIFY_ALLOWED = {
    "core/db.py:update_or_create": "counters of a few documents (mail's direct counter)",
    "mail/queries.py:next_direct_seq": "update_or_create on the mail cursors: two documents",
    "events/queries.py:take_lease": "the sequencer's lease on the counters: a few documents",
    "webhooks/queries.py:update_webhook": "the registry of webhooks: a few documents",
}


def test_find_and_modify_only_on_small_collections() -> None:
    """No request's database work grows with a collection while its answer stays the same
    size (issue 26): findAndModify, directly or through `update_or_create`, only where the
    collection stays a few documents."""
    found: dict[str, str] = {}  # where -> the allowlist key that covers it
    for module, function, _, name in _calls():
        if name in FIND_AND_MODIFY or name == "update_or_create":
            where = f"{module}:{function}"
            found[where] = module if module in FIND_AND_MODIFY_ALLOWED else where
    wrong = sorted(where for where, key in found.items() if key not in FIND_AND_MODIFY_ALLOWED)
    assert not wrong, wrong
    unused = FIND_AND_MODIFY_ALLOWED.keys() - set(found.values())
    assert not unused, f"allowed but no longer used, remove them: {sorted(unused)}"
