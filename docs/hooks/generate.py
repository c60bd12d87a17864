"""mkdocs hook: fill the reference pages from the code at build time.

A page that contains one of the markers below gets it replaced by generated Markdown:

- ``<!-- generated: metrics -->``: every identifier in registry.yaml (class, defaults,
  description, BibTeX);
- ``<!-- generated: measures -->``: every measure of ``bayesrep_plugin.MEASURES`` with its
  declared properties;
- ``<!-- generated: cli -->``: the ``--help`` of ``bayesrep`` and of each of its commands.
"""

from __future__ import annotations

import argparse
import os
import warnings


def metrics_markdown() -> str:
    from bayesrep_plugin.brainscore.registry import load_registry

    registry = load_registry()
    lines = ["| identifier | description | class |", "|---|---|---|"]
    lines += [f"| [`{e.id}`](#{e.id}) | {e.description} | `{e.cls}` |" for e in registry.entries.values()]
    for entry in registry.entries.values():
        defaults = ", ".join(f"`{key}={value!r}`" for key, value in entry.defaults.items()) or "none"
        lines += ["", f"### {entry.id}", "", entry.description[0].upper() + entry.description[1:] + ".", "",
                  f"- class: `{entry.cls}`", f"- defaults: {defaults}",
                  f"- load: `brainscore_vision.load_metric('{entry.id}')` after `bayesrep brainscore install`", "",
                  "```bibtex", entry.bibtex, "```"]
    return "\n".join(lines)


def measures_markdown() -> str:
    from bayesrep_plugin import MEASURES

    lines = ["| name | kind | metric | symmetric | range | uses b | description |", "|---|---|---|---|---|---|---|"]
    for m in MEASURES.values():
        low, high = m.value_range
        lines.append(f"| `{m.name}` | {m.kind} | {'yes' if m.is_metric else 'no'} | {'yes' if m.symmetric else 'no'} "
                     f"| [{low:g}, {high:g}] | {'yes' if m.bayesian else 'no'} | {m.description} |")
    return "\n".join(lines)


def cli_markdown() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal width: fix it
    from bayesrep_plugin.cli import build_parser

    parser = build_parser()
    sections = [("bayesrep", parser)]
    for action in parser._subparsers._group_actions:  # argparse has no public walk over subcommands
        for name, sub in action.choices.items():
            sections.append((f"bayesrep {name}", sub))
            nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
            for group in nested:
                sections += [(f"bayesrep {name} {child}", parser_) for child, parser_ in group.choices.items()]
    return "\n\n".join(f"## {title}\n\n```text\n{sub.format_help().rstrip()}\n```" for title, sub in sections)


GENERATORS = {"<!-- generated: metrics -->": metrics_markdown,
              "<!-- generated: measures -->": measures_markdown,
              "<!-- generated: cli -->": cli_markdown}


def on_page_markdown(markdown: str, **kwargs) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # import-time notices of the libraries
        for marker, generate in GENERATORS.items():
            if marker in markdown:
                markdown = markdown.replace(marker, generate())
    return markdown
