"""Tables as CSV, Markdown and one self-contained HTML page with the figures embedded.

A table is a list of row dicts and the ordered list of its columns. Numbers are written in full
precision to CSV (for scripts) and rounded to four decimals in Markdown and HTML (for people).
The HTML page needs no other file: figures are embedded as base64 PNG data URIs.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from string import Template


@dataclass(frozen=True)
class Table:
    """A titled table: rows (dicts) with these columns, in this order."""

    title: str
    columns: list[str]
    rows: list[dict]


@dataclass(frozen=True)
class FigureFile:
    """A figure to embed: its caption and the PNG file written next to the page."""

    caption: str
    png: Path


def format_cell(value, digits: int = 4) -> str:
    """A cell for people: floats rounded, NaN as an empty cell, the rest as text."""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def to_csv(table: Table) -> str:
    """All rows, full precision, header first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=table.columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(table.rows)
    return buffer.getvalue()


def to_markdown(tables: list[Table], title: str) -> str:
    """The tables as GitHub-flavoured Markdown, each under its own heading."""
    lines = [f"# {title}", ""]
    for table in tables:
        lines += [f"## {table.title}", "",
                  "| " + " | ".join(table.columns) + " |",
                  "|" + "|".join("---" for _ in table.columns) + "|"]
        for row in table.rows:
            cells = (format_cell(row.get(column, "")).replace("|", "\\|") for column in table.columns)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _html_table(table: Table) -> str:
    header = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = row.get(column, "")
            css = "" if isinstance(value, (int, float)) else ' class="text"'
            cells.append(f"<td{css}>{html.escape(format_cell(value))}</td>")
        css = ' class="brain"' if row.get("kind") == "brain" else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    return (f"<h2>{html.escape(table.title)}</h2>\n<table>\n<thead><tr>{header}</tr></thead>\n"
            f"<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>")


def _html_figure(figure: FigureFile) -> str:
    data = base64.b64encode(figure.png.read_bytes()).decode("ascii")
    caption = html.escape(figure.caption)
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{caption}">'
            f"<figcaption>{caption} (also as <code>{html.escape(figure.png.stem)}.svg</code>)</figcaption></figure>")


def to_html(tables: list[Table], figures: list[FigureFile], title: str, notes: list[str]) -> str:
    """One self-contained page: notes, every table, every figure (embedded)."""
    template = Template(resources.files(__package__).joinpath("page.html").read_text("utf-8"))
    return template.substitute(
        title=html.escape(title),
        notes="\n".join(f'<p class="note">{html.escape(note)}</p>' for note in notes),
        tables="\n".join(_html_table(table) for table in tables),
        figures="\n".join(_html_figure(figure) for figure in figures),
        version=html.escape(metadata.version("bayesrep-plugin")),
    )
