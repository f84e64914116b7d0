"""``templates/macros.j2`` holds only shared wording: every macro there is called by another
macro or by two templates or more; a reply's own macros live in its template."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\((.*?)\{%-?\s*endmacro", re.S)
IMPORT = re.compile(r'\{%-?\s*import\s+"macros\.j2"\s+as\s+(\w+)')


def call_sites() -> dict[str, set[str]]:
    """Each macro of macros.j2 → where it is called: ``macros.j2:<macro>`` or a template path."""
    bodies = {m.group(1): m.group(0) for m in MACRO.finditer((TEMPLATES / "macros.j2").read_text())}
    sites: dict[str, set[str]] = {name: set() for name in bodies}
    for name in bodies:
        for other, body in bodies.items():
            if other != name and re.search(rf"(?<![\w.]){name}\s*\(", body):
                sites[name].add(f"macros.j2:{other}")
    for path in TEMPLATES.rglob("*.j2"):
        if path.name == "macros.j2":
            continue
        text = path.read_text()
        for alias in IMPORT.findall(text):
            for name in bodies:
                if re.search(rf"\b{alias}\.{name}\b", text):
                    sites[name].add(path.relative_to(TEMPLATES).as_posix())
    return sites


def test_the_call_site_counter_sees_template_and_macro_calls() -> None:
    sites = call_sites()
    assert {"replies/carry.j2", "replies/history.j2"} <= sites["regime_name"]  # t.regime_name(…)
    assert any(site.startswith("macros.j2:") for site in sites["space"])  # space() in a macro


def test_every_shared_macro_is_shared() -> None:
    unused = sorted(name for name, where in call_sites().items() if not where)
    single = sorted(
        f"{name} (only {next(iter(where))})"
        for name, where in call_sites().items()
        if len(where) == 1 and not next(iter(where)).startswith("macros.j2:")
    )
    assert unused == [], "unused macros: remove them"
    assert single == [], "single-use macros: move each into the template that calls it"
