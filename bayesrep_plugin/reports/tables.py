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


def _html_rows(table: Table) -> str:
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
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"


def _html_table(table: Table) -> str:
    """A full table, collapsed under its title (the page opens on the summary and the figures)."""
    count = f"{len(table.rows)} row{'s' if len(table.rows) != 1 else ''}"
    return (f"<details>\n<summary><span class=\"table-title\">{html.escape(table.title)}</span> "
            f"<span class=\"count\">({count})</span></summary>\n{_html_rows(table)}\n</details>")


def _html_summary(block) -> str:
    sentences = "\n".join(f"<p>{html.escape(sentence)}</p>" for sentence in block.sentences)
    return (f'<div class="answer">\n<h2>{html.escape(block.heading)}</h2>\n{sentences}\n'
            f'<p class="table-title">{html.escape(block.table.title)}</p>\n{_html_rows(block.table)}\n</div>')


def markdown_summary(summary, warnings: list[str] = ()) -> str:
    """The summary blocks (:mod:`.summary`) as Markdown, for the top of a report's ``.md``."""
    lines = [f"> **{warning}**\n" for warning in warnings]
    for block in summary:
        lines += [f"## {block.heading}", "", *(f"- {sentence}" for sentence in block.sentences), "",
                  to_markdown([block.table], "").split("\n", 2)[2]]
    return "\n".join(lines)


def _html_figure(figure: FigureFile) -> str:
    data = base64.b64encode(figure.png.read_bytes()).decode("ascii")
    caption = html.escape(figure.caption)
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{caption}">'
            f"<figcaption>{caption} (also as <code>{html.escape(figure.png.stem)}.svg</code>)</figcaption></figure>")


def to_html(tables: list[Table], figures: list[FigureFile], title: str, notes: list[str], summary=(),
            warnings: list[str] = ()) -> str:
    """One self-contained page: on its first screen ``warnings`` (e.g. that a brain is simulated) and
    the ``summary`` blocks (:class:`~.summary.SummaryBlock`: which model is closest, how sure, where
    chance is); then every figure (embedded), the notes, and every table, collapsed under its title."""
    template = Template(resources.files(__package__).joinpath("page.html").read_text("utf-8"))
    return template.substitute(
        title=html.escape(title),
        summary="\n".join([*(f'<p class="warning">{html.escape(w)}</p>' for w in warnings),
                           *map(_html_summary, summary)]),
        notes="\n".join(f'<p class="note">{html.escape(note)}</p>' for note in notes),
        tables="\n".join(_html_table(table) for table in tables),
        figures="\n".join(_html_figure(figure) for figure in figures),
        version=html.escape(metadata.version("bayesrep-plugin")),
    )
