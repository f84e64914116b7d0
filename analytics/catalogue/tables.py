"""The package's own data tables (``analytics/data/*.csv``): read, comments skipped, rows checked."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from importlib import resources


def package_text(name: str) -> str:
    """The text of ``analytics/data/<name>``."""
    return resources.files("analytics").joinpath("data", name).read_text(encoding="utf-8")


def csv_rows(
    text: str, columns: Sequence[str], name: str, required: Sequence[str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV table whose ``#`` lines are comments; ValueError names the
    table and line when the header differs from ``columns`` or a ``required`` field (default:
    every column) is missing."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)]
    kept = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not kept:
        raise ValueError(f"{name} is empty")
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in kept)))
    if reader.fieldnames != list(columns):
        raise ValueError(f"{name} header is {reader.fieldnames}; expected {list(columns)}")
    needed = columns if required is None else required
    for (number, _), row in zip(kept[1:], reader, strict=True):
        if None in row or any(row[column] is None for column in needed):
            raise ValueError(f"{name} line {number} does not have {len(columns)} fields")
        yield number, row
