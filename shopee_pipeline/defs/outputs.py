"""What the Shopee assets hand the IO manager: a stream of chunks, each parent rows with the child rows
written in the same transaction."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from shopee_pipeline.warehouse.upsert import WriteCounts


@dataclass(frozen=True)
class ChildRows:
    """Rows of a child table (items, packages) replacing, as a whole, the children of `parents`.

    A parent listed without rows loses all its children: lines removed upstream disappear here too.
    """

    frame: pd.DataFrame
    parents: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class ParentRows:
    """Rows of a parent table and, by child table name, the child rows written before them in the same
    transaction (a reader never sees a parent without its children)."""

    frame: pd.DataFrame
    children: dict[str, ChildRows] = field(default_factory=dict)


@dataclass
class RowStream:
    """Chunks of parent rows (with their children) produced while the asset is still fetching.

    The IO manager writes each chunk in its own transaction as it arrives, so a run holds one chunk in
    memory instead of a whole day of every shop. It adds what the writes did to `written` (by table
    name), for the asset to report child tables once the stream is stored, and merges `summary()`
    (figures known only at the end, such as API calls spent) into the output's metadata.
    """

    chunks: Iterable[ParentRows]
    summary: Callable[[], Mapping[str, Any]] = dict
    written: dict[str, WriteCounts] = field(default_factory=dict)
