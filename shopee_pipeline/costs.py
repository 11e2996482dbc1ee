"""The product costs file of `shopee-pipeline costs import` and `costs export`. No Dagster, no SQL.

A costs file is a CSV whose header names its columns, in any order: `shop_id`, `unit_cost`, `currency`,
`valid_from` (YYYY-MM-DD), and either `item_id` with an optional `model_id` (empty: 0) or `sku`. Other
columns (the template's `item_name`, `model_name`, `item_status`) are labels and are not read. A row
with an `item_id` names its variation by ids (its `sku` is then a label); a row without one names it by
`sku`, matched against `item_models.model_sku` first, then `items.item_sku`. A SKU names one physical product:
the cost goes to every variation carrying it as `model_sku` or, when none does, to every variation of
every item carrying it as `item_sku`. A row whose `unit_cost` is empty is left out (a template row not
filled in); a row whose every cell is empty is ignored.

The file is checked whole against the catalogue before anything is written: every bad row gives one
line naming its row number as a spreadsheet shows it (the header is row 1), and one bad row means
nothing is loaded. A comma-separated file is read, or a semicolon-separated one (as spreadsheets save
CSV in locales whose decimal mark is a comma); amounts take a point for decimals and no thousands marks.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

SHOP_ID, ITEM_ID, MODEL_ID, SKU = "shop_id", "item_id", "model_id", "sku"
UNIT_COST, CURRENCY, VALID_FROM = "unit_cost", "currency", "valid_from"
REQUIRED_COLUMNS = (SHOP_ID, UNIT_COST, CURRENCY, VALID_FROM)
TEMPLATE_COLUMNS = (
    SHOP_ID,
    ITEM_ID,
    MODEL_ID,
    SKU,
    "item_name",
    "model_name",
    "item_status",
    UNIT_COST,
    CURRENCY,
    VALID_FROM,
)
"""The columns `costs export` writes: ids and SKU, labels for the seller, then what the seller fills in."""

_WHOLE = re.compile(r"\d+")
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

Variation = tuple[int, int, int]
"""`(shop_id, item_id, model_id)`: one variation of a shop's catalogue (model 0: an item without any)."""


class CostsFileError(Exception):
    """The file cannot be loaded; `problems` holds one line per reason (a bad row's names its row)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Catalogue:
    """What a costs file is checked against: the known shops and, for the shops the file names, every
    variation with its currency (None when the catalogue has none) and the SKUs that name them."""

    shops: frozenset[int]
    currencies: dict[Variation, str | None] = field(default_factory=dict)
    model_skus: dict[tuple[int, str], list[Variation]] = field(default_factory=dict)
    item_skus: dict[tuple[int, str], list[int]] = field(default_factory=dict)

    def models_of(self, shop_id: int, item_id: int) -> list[Variation]:
        """Every variation of the item, model ids in order."""
        return sorted(v for v in self.currencies if v[0] == shop_id and v[1] == item_id)


@dataclass(frozen=True)
class UnitCost:
    """One cost to load: what a unit of a variation costs from `valid_from` on."""

    shop_id: int
    item_id: int
    model_id: int
    valid_from: date
    unit_cost: Decimal
    currency: str

    @property
    def key(self) -> tuple[int, int, int, date]:
        """The table's key: `(shop_id, item_id, model_id, valid_from)`."""
        return (self.shop_id, self.item_id, self.model_id, self.valid_from)


@dataclass(frozen=True)
class CostsFile:
    """A costs file that passed every check: its costs (one per variation and day) and how many of its
    rows had no `unit_cost` and were left out."""

    costs: list[UnitCost]
    unfilled_rows: int


@dataclass(frozen=True)
class CostRow:
    """A data row whose cells each parsed; what it names is resolved against the catalogue later."""

    number: int
    shop_id: int
    item_id: int | None
    model_id: int
    sku: str
    unit_cost: Decimal
    currency: str
    valid_from: date


def _whole(column: str, text: str, problems: list[str]) -> int | None:
    if _WHOLE.fullmatch(text):
        return int(text)
    hint = (
        " (a spreadsheet showed it in scientific notation: format the column as text)" if "E" in text else ""
    )
    problems.append(f"{column} '{text}' is not a whole number{hint}")
    return None


def _amount(text: str, problems: list[str]) -> Decimal | None:
    if not _AMOUNT.fullmatch(text):
        problems.append(f"unit_cost '{text}' is not a number (a point for decimals, no thousands separators)")
        return None
    if text.startswith("-"):
        problems.append(f"unit_cost '{text}' is negative")
        return None
    return Decimal(text)


def _day(text: str, problems: list[str]) -> date | None:
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    problems.append(f"valid_from '{text}' is not a YYYY-MM-DD date")
    return None


def _parse_row(number: int, cells: dict[str, str], problems: list[str]) -> CostRow | None:
    """The row's cells parsed, or None with a reason per bad cell in `problems`."""
    shop_id = _whole(SHOP_ID, cells[SHOP_ID], problems) if cells[SHOP_ID] else None
    if not cells[SHOP_ID]:
        problems.append("shop_id is empty")
    item_id = _whole(ITEM_ID, cells[ITEM_ID], problems) if cells.get(ITEM_ID) else None
    model_id = _whole(MODEL_ID, cells[MODEL_ID], problems) if cells.get(MODEL_ID) else 0
    if cells.get(MODEL_ID) and not cells.get(ITEM_ID):
        problems.append("model_id is given without item_id")
    if not cells.get(ITEM_ID) and not cells.get(SKU):
        problems.append("neither item_id nor sku is given")
    unit_cost = _amount(cells[UNIT_COST], problems)
    currency = cells[CURRENCY].upper()
    if not _CURRENCY.fullmatch(currency):
        problems.append(f"currency '{cells[CURRENCY]}' is not a three-letter code such as IDR")
    valid_from = _day(cells[VALID_FROM], problems)
    if problems or shop_id is None or model_id is None or unit_cost is None or valid_from is None:
        return None
    return CostRow(number, shop_id, item_id, model_id, cells.get(SKU, ""), unit_cost, currency, valid_from)


def _read_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header (lower-cased, trimmed) and the rows of a comma- or semicolon-separated text."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise CostsFileError(["the file is empty: its first row must name the columns"])
    return [name.strip().lower() for name in rows[0]], rows[1:]


def _check_header(header: list[str]) -> None:
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if ITEM_ID not in header and SKU not in header:
        missing.append("item_id or sku")
    problems = []
    if missing:
        problems.append(f"the header lacks {', '.join(missing)} (it reads: {','.join(header)})")
    if repeated:
        problems.append(f"the header names {', '.join(repeated)} more than once")
    if MODEL_ID in header and ITEM_ID not in header and SKU in header:
        problems.append("the header names model_id without item_id")
    if problems:
        raise CostsFileError(problems)


@dataclass(frozen=True)
class ParsedCosts:
    """A costs file's data rows whose cells parse, the problems of the others (row number, line), and
    how many rows had no `unit_cost`."""

    rows: list[CostRow]
    bad: list[tuple[int, str]]
    unfilled: int


def parse_costs(text: str) -> ParsedCosts:
    """The data rows of a costs file's text; raises `CostsFileError` only when its header is unusable."""
    header, rows = _read_table(text)
    _check_header(header)
    parsed: list[CostRow] = []
    bad: list[tuple[int, str]] = []
    unfilled = 0
    for number, values in enumerate(rows, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            bad.append((number, f"row {number}: {len(values)} cells under a header of {len(header)} columns"))
            continue
        cells = {name: value.strip() for name, value in zip(header, values, strict=False)}
        cells.update({name: "" for name in header[len(values) :]})
        if not cells[UNIT_COST]:
            unfilled += 1
            continue
        problems: list[str] = []
        row = _parse_row(number, cells, problems)
        if row is None:
            bad.append((number, f"row {number}: {'; '.join(problems)}"))
        else:
            parsed.append(row)
    return ParsedCosts(parsed, bad, unfilled)


def _variations(row: CostRow, catalogue: Catalogue, problems: list[str]) -> list[Variation]:
    """The variations a row names: its ids, else every variation whose `model_sku` is its SKU, else
    every variation of the items whose `item_sku` is."""
    shop = row.shop_id
    if row.item_id is not None:
        variation = (shop, row.item_id, row.model_id)
        if variation in catalogue.currencies:
            return [variation]
        models = catalogue.models_of(shop, row.item_id)
        if row.model_id == 0 and models:
            listing = ", ".join(str(v[2]) for v in models)
            problems.append(f"item {row.item_id} has variations: give its model_id ({listing})")
        elif models:
            problems.append(f"item {row.item_id} of shop {shop} has no model {row.model_id}")
        else:
            problems.append(f"item {row.item_id} is not in shop {shop}'s catalogue (items synced?)")
        return []
    by_model = catalogue.model_skus.get((shop, row.sku), [])
    if by_model:
        return by_model
    by_item = catalogue.item_skus.get((shop, row.sku), [])
    if by_item:
        return [v for item_id in by_item for v in catalogue.models_of(shop, item_id) or [(shop, item_id, 0)]]
    problems.append(f"sku '{row.sku}' is not a model_sku or item_sku of shop {shop}")
    return []


def resolve_costs(
    rows: Iterable[CostRow], catalogue: Catalogue
) -> tuple[list[UnitCost], list[tuple[int, str]]]:
    """The costs `rows` name, checked against `catalogue` (a known shop, variations that exist, the
    catalogue's currency, no variation and day given twice), and the problems of the rows that fail."""
    costs: list[UnitCost] = []
    first_row: dict[tuple[int, int, int, date], int] = {}
    bad: list[tuple[int, str]] = []
    for row in rows:
        problems: list[str] = []
        if row.shop_id not in catalogue.shops:
            problems.append(f"shop {row.shop_id} is not known (see `shopee-pipeline shops list`)")
            variations: list[Variation] = []
        else:
            variations = _variations(row, catalogue, problems)
        for variation in variations:
            known = catalogue.currencies.get(variation)
            if known and known != row.currency:
                problems.append(f"currency {row.currency} is not the catalogue's {known} for this variation")
                break
            cost = UnitCost(*variation, row.valid_from, row.unit_cost, row.currency)
            earlier = first_row.setdefault(cost.key, row.number)
            if earlier != row.number:
                problems.append(
                    f"item {cost.item_id} model {cost.model_id} from {cost.valid_from} "
                    f"is already given in row {earlier}"
                )
                break
            costs.append(cost)
        if problems:
            bad.append((row.number, f"row {row.number}: {'; '.join(problems)}"))
    return costs, bad


def read_costs_file(path: Path, catalogue_for: Callable[[set[int]], Catalogue]) -> CostsFile:
    """The costs of the file at `path`, checked against `catalogue_for(the shop ids it names)`; raises
    `CostsFileError` (one line per bad row, or one for the file) when any row is bad."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CostsFileError([f"{path}: no such file"]) from None
    except IsADirectoryError:
        raise CostsFileError([f"{path} is a folder, not a CSV file"]) from None
    except UnicodeDecodeError:
        raise CostsFileError([f"{path} is not UTF-8 text: save it as CSV UTF-8"]) from None
    parsed = parse_costs(text)
    catalogue = catalogue_for({row.shop_id for row in parsed.rows})
    costs, bad = resolve_costs(parsed.rows, catalogue)
    if parsed.bad or bad:
        raise CostsFileError([line for _, line in sorted(parsed.bad + bad)])
    return CostsFile(costs, parsed.unfilled)


def write_template(out: io.TextIOBase | io.StringIO, rows: Iterable[dict[str, object]]) -> int:
    """Write the costs template (`TEMPLATE_COLUMNS`, one row per variation) to `out`; return its rows."""
    writer = csv.DictWriter(out, fieldnames=TEMPLATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: "" if row.get(name) is None else row[name] for name in TEMPLATE_COLUMNS})
        count += 1
    return count
