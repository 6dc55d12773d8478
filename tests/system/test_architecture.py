"""The shape of `app/`: domain packages whose imports point one way, and small modules."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Lower layers never import higher ones; packages on one layer never import each other.
# accounts sits above tickets: deactivating an agent hands their tickets back to the queue.
LAYERS = [
    {"core"},
    {"auth"},
    {"events"},
    {"tickets"},
    {"replies"},
    {"attachments", "faq", "accounts"},
    {"webhooks", "sla", "reports"},
]
COMPOSITION = {"main", "cli", "demo", "__main__"}  # wire the domains together; import any
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
            if imported in COMPOSITION or _layer(imported) >= _layer(package):
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
