"""Plain-text tables, counts and local times for the command line's and the sensors' output. No Dagster,
no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from numbers import Number
from zoneinfo import ZoneInfo


def render_table(header: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "") -> list[str]:
    """`header` and `rows` as aligned lines: each column as wide as its widest cell, numbers right-aligned,
    text left-aligned, `None` shown as `-`, no trailing spaces."""
    cells = [[str(h) for h in header]] + [["-" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    numeric = [
        bool(rows) and all(isinstance(row[i], Number) or row[i] is None for row in rows)
        for i in range(len(header))
    ]
    lines = []
    for line in cells:
        padded = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(line, widths, numeric, strict=True)
        ]
        lines.append((indent + "  ".join(padded)).rstrip())
    return lines


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`1 push`, `2 pushes`: `n` with the word in the number it takes (`plural`, else `singular` + s)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def local_minute(moment: datetime | None, tz: ZoneInfo) -> str:
    """`2026-12-08 14:05 WIB`: `moment` in `tz` to the minute, with the zone's abbreviation; `-` for None."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
