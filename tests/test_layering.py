"""The layers stay honest: who may import what, and no import circle anywhere.

- ``analytics/`` and ``commands/`` never pull in a chat platform library or ``bot``.
- ``bot/delivery/`` and ``bot/sending/`` import no platform: adapters hand them their senders.
- ``analytics/storage/`` is the bottom: it imports none of the project's other packages, nor pandas.
- No two modules import each other, directly or through others, counting every import:
  module level, inside functions, and under ``TYPE_CHECKING``.
- Inside each package the rooms are ranked (``ROOMS``): a room imports only rooms ranked below it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analytics", "commands", "bot", "templates")

SCRIPT = """
import importlib, pkgutil, sys
packages = [importlib.import_module(name) for name in sys.argv[1].split(",")]
names = []
for package in packages:
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
forbidden = sys.argv[2].split(",")
bad = sorted(
    m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)
)
print(len(names), bad)
sys.exit(1 if bad else 0)
"""


# analytics.storage may load the (empty) analytics package itself, but no other analytics module.
STORAGE_ALONE = """
import importlib, pkgutil, sys
import analytics.storage as storage
for info in pkgutil.walk_packages(storage.__path__, "analytics.storage."):
    importlib.import_module(info.name)
bad = sorted(
    m for m in sys.modules
    if m.startswith("analytics.") and not m.startswith("analytics.storage")
)
print(bad)
sys.exit(1 if bad else 0)
"""


def _imports_nothing_of(packages: str, forbidden: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, packages, forbidden],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return int(done.stdout.split()[0])


def test_analytics_and_commands_import_no_chat_platform() -> None:
    count = _imports_nothing_of("analytics,commands", "telegram,discord,bot")
    assert count > 20  # every module really was imported


def test_delivery_imports_no_platform() -> None:
    count = _imports_nothing_of(
        "bot.delivery,bot.sending", "telegram,discord,bot.telegram,bot.discord"
    )
    assert count >= 8


def test_storage_is_the_bottom_layer() -> None:
    count = _imports_nothing_of("analytics.storage", "commands,bot,pandas,telegram,discord")
    assert count >= 6
    done = subprocess.run(
        [sys.executable, "-c", STORAGE_ALONE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- import circles -----------------------------------------------------------------------------


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" in path.parts:  # Alembic loads migration scripts by path
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(tree: ast.AST, modules: dict[str, Path]) -> Iterator[str]:
    """Every project module a module's code imports, wherever the import statement is."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    yield submodule
                elif node.module in modules:
                    yield node.module


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: set(_imported(ast.parse(path.read_text()), modules)) - {name}
        for name, path in modules.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_type_only_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    code = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from commands.grammar import Registry\n"
    assert list(_imported(ast.parse(code), _modules())) == ["commands.grammar"]


def test_no_import_circle_anywhere() -> None:
    graph = import_graph()
    assert len(graph) > 80
    assert circles(graph) == []


def test_delivery_modules_name_no_platform_module() -> None:
    graph = import_graph()
    for module, imported in graph.items():
        if module.startswith(("bot.delivery", "bot.sending")):
            assert not {
                m for m in imported if m.split(".")[:2] in (["bot", "telegram"], ["bot", "discord"])
            }, module


# --- rooms --------------------------------------------------------------------------------------

# Each package's rooms, bottom first: a module may import its own room and rooms listed before it.
ROOMS = {
    "analytics": (
        "errors",
        "storage",
        "catalogue",
        "sources",
        "ingest",
        "policy",
        "signal",
        "picture",
        "narrative",
        "charts",
    ),
    "commands": (
        "sanitize",
        "languages",
        "settings",
        "context",
        "reply",
        "permissions",
        "services",
        "intraday",
        "presentation",
        "grammar",
        "handlers",
        "dispatch",
    ),
    "bot": (
        "redact",
        "metrics",
        "connection",
        "chat_registry",
        "sending",
        "delivery",
        "telegram",
        "discord",
        "runtime",
        "cli",
    ),
}
PACKAGE_ORDER = ("analytics", "commands", "bot")


def _rank(module: str) -> tuple[int, int] | None:
    """(package rank, room rank) of a module, None for a package's own ``__init__``."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] not in ROOMS:
        return None
    return PACKAGE_ORDER.index(parts[0]), ROOMS[parts[0]].index(parts[1])


def room_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that point up: into a later package, or into a later room of the same package."""
    found = []
    for module, imported in graph.items():
        here = _rank(module)
        if here is None:
            continue
        for other in imported:
            there = _rank(other)
            if there is not None and there > here:
                found.append(f"{module} -> {other}")
    return sorted(found)


def test_every_module_lives_in_a_room() -> None:
    homeless = [
        name
        for name in import_graph()
        if name.split(".")[0] in ROOMS
        and len(name.split(".")) > 1
        and name.split(".")[1] not in ROOMS[name.split(".")[0]]
    ]
    assert homeless == []


def test_the_room_check_catches_an_upward_import() -> None:
    graph = {
        "analytics.signal.scores": {"analytics.narrative.lede"},
        "analytics.narrative.lede": set(),
    }
    assert room_violations(graph) == ["analytics.signal.scores -> analytics.narrative.lede"]
    assert room_violations({"commands.handlers.help": {"commands.grammar"}}) == []


def test_rooms_import_only_downward() -> None:
    assert room_violations(import_graph()) == []
