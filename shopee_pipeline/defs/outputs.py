"""What the Shopee assets hand the IO manager besides a plain frame: child rows with the parents they
replace, and parent rows with the children to write in the same transaction."""

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd


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
