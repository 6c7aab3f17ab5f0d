"""`nianbao parse --table`: a report's three tables as grids, every cell marked with what it is.

A cell reads as printed (`37`), inferred by the identities (`~37`), printed blank (`(blank)`),
undecided (`?`), and `!` in front when a failing check involves it. On a terminal the marks are
also coloured; in a pipe or a file they are the plain text.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.model import Fact, ParseResult, format_number
from pipelines.schema import FORMAT_2021, REQUESTS_2019, REQUESTS_2021, REVIEW_ROWS, Row, disclosure_rows

TABLES = ("disclosure", "requests", "review_litigation")
_STYLES = {"printed": "", "inferred": "cyan", "blank": "dim", "undecided": "yellow"}
FAILING_STYLE = "bold red"
LEGEND = "37 printed · ~37 inferred · (blank) printed blank · ? undecided · ! in a failing check"
PLAIN_WIDTH = 160  # a pipe or file has no width; the requests table needs about this much


def schema_rows(table: str, fmt: str | None) -> dict[str, Row]:
    """The template rows (labels, columns) of `table` in format `fmt`, by key."""
    if table == "disclosure":
        rows = disclosure_rows(fmt or FORMAT_2021)
    elif table == "requests":
        rows = REQUESTS_2021 + REQUESTS_2019[20:21]  # the three （六） sub-rows and the single one
    else:
        rows = REVIEW_ROWS
    return {row.key: row for row in rows}


def mark(fact: Fact, failing: bool) -> Text:
    if fact.state == "undecided":
        text = "?"
    elif fact.state == "blank":
        text = "(blank)"
    else:
        assert fact.value is not None
        text = ("~" if fact.inferred else "") + format_number(fact.value)
    return Text(("!" if failing else "") + text, style=FAILING_STYLE if failing else _STYLES[fact.state])


def grid(result: ParseResult, table: str) -> Table | None:
    facts = [f for f in result.facts if f.table == table]
    if not facts:
        return None
    failing = {(c.table, c.row, c.column) for check in result.failing_checks for c in check.cells}
    rows = list(dict.fromkeys(f.row for f in facts))
    columns = list(dict.fromkeys(f.column for f in facts))
    template = schema_rows(table, result.format)
    labels = {c.key: c.label for row in rows if row in template for c in template[row].columns}
    view = Table(title=table, box=box.SIMPLE_HEAD, title_justify="left")
    view.add_column("", overflow="fold", max_width=36)
    for column in columns:
        view.add_column(labels.get(column, column), justify="right")
    cells = {(f.row, f.column): f for f in facts}
    for row in rows:
        label = template[row].label if row in template else row
        marks = [
            mark(cells[(row, column)], (table, row, column) in failing)
            if (row, column) in cells
            else Text("")
            for column in columns
        ]
        view.add_row(label, *marks)
    return view


def show(result: ParseResult, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=PLAIN_WIDTH, file=console.file)
    console.print(
        Text(
            f"{result.source}: {result.status}  agency: {result.agency or '?'}  year: {result.year or '?'}"
            f"  format: {result.format or '-'}"
        )
    )
    views = [view for table in TABLES if (view := grid(result, table)) is not None]
    for view in views:
        console.print(view)
    if not views:
        console.print("  no tables")
        return
    for check in result.failing_checks:
        cells = ", ".join(f"{c.row}.{c.column}" for c in check.cells)
        console.print(Text(f"FAILED {check.id}: {check.detail} (cause: {check.cause}; cells {cells})"))
    console.print(Text(LEGEND))
