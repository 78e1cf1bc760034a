"""Import rules of the tracker's layout (/work/shared/ARCHITECTURE.md, "Direction of
dependencies"), read from the source: every import, at the top of a module or inside a
function, counts.

- No module imports a views module (a blueprint's module: views.py, *_views.py), except
  the app factory that registers the blueprints.
- Services take their inputs: a services module imports none of Flask's request,
  session, g, flash, render_template or current_app.
- No import cycle between area packages (tracker/<area>/)."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tracker"
# The app factory registers every blueprint: the one place that imports views.
REGISTERS_BLUEPRINTS = {"tracker"}
REQUEST_NAMES = {"request", "session", "g", "flash", "render_template", "current_app"}
# Modules that are services besides every services.py: they take the actor, `now` and
# plain values; the request side lives in the views (and accounts/loader.py).
SERVICE_MODULES = {
    "tracker.accounts.lockout", "tracker.accounts.sessions", "tracker.accounts.mfa",
    "tracker.calendar.feeds", "tracker.calendar.serving", "tracker.calendar.cache",
    "tracker.calendar.content", "tracker.reminders.compose", "tracker.reminders.dispatch",
    "tracker.outreach.retention", "tracker.events.approvals", "tracker.events.lifecycle",
    "tracker.events.registry", "tracker.checklist.catalog", "tracker.checklist.reviews",
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(module: str) -> list[tuple[str, set[str]]]:
    """(imported module, names taken from it) for every import in `module`."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = module.split(".")[:len(module.split(".")) - node.level + (
                    1 if MODULES[module].name == "__init__.py" else 0)]
                base = ".".join([*package, node.module])
            names = {alias.name for alias in node.names}
            found.append((base, names))
            # "from tracker.area import views" imports the module tracker.area.views.
            found += [(f"{base}.{n}", set()) for n in names if f"{base}.{n}" in MODULES]
    return found


def _is_views(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "views" or last.endswith("_views")


def _area(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "tracker" and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return None


def test_the_rules_see_the_package():
    assert "tracker.events.views" in MODULES and "tracker.events.services" in MODULES
    # The factory's own imports (inside create_app's helpers) are found.
    assert "tracker.events.views" in {imported for imported, _ in _imports("tracker")}


def test_no_module_imports_a_views_module():
    offenders = sorted(
        f"{module} imports {imported}"
        for module in MODULES if module not in REGISTERS_BLUEPRINTS
        for imported, _names in _imports(module)
        if imported in MODULES and _is_views(imported) and imported != module)
    assert offenders == []


def _services() -> list[str]:
    return sorted(m for m in MODULES
                  if m.rsplit(".", 1)[-1] == "services" or m in SERVICE_MODULES)


@pytest.mark.parametrize("module", _services())
def test_services_take_their_inputs(module):
    assert module in MODULES, "a listed service module no longer exists"
    used = set()
    for imported, names in _imports(module):
        if imported == "flask":
            used |= names & REQUEST_NAMES
        elif imported.startswith("flask.") or imported == "flask_login":
            used |= names & (REQUEST_NAMES | {"current_user"})
    assert used == set(), f"{module} reaches into the request: {sorted(used)}"


def _area_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module in MODULES:
        source = _area(module)
        if source is None:
            continue
        for imported, _names in _imports(module):
            target = _area(imported)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_no_import_cycle_between_areas():
    assert _cycle(_area_graph()) is None
