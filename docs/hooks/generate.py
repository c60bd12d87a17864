"""mkdocs hook: fill the reference pages from the code at build time.

A page that contains one of the markers below gets it replaced by generated Markdown:

- ``<!-- generated: metrics -->``: every identifier in registry.yaml (class, defaults,
  description, BibTeX);
- ``<!-- generated: measures -->``: every measure of ``bayesrep_plugin.MEASURES`` with its
  declared properties;
- ``<!-- generated: cli -->``: the ``--help`` of ``bayesrep`` and of each of its commands;
- ``<!-- generated: comparison-all -->`` and ``<!-- generated: comparison-subset -->``: the
  comparison page's tables, computed from the activations that ship with brainscore-vision.

The Python API pages are rendered by mkdocstrings from the docstrings; :func:`on_page_content`
turns the docstrings' Sphinx roles into plain code there.
"""

from __future__ import annotations

import argparse
import os
import re
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
        ranges = f"[{low:g}, {high:g}]"
        if m.range_for(normalize=False) != m.value_range:
            ranges += " ([{:g}, {:g}] with normalize=False)".format(*m.range_for(normalize=False))
        lines.append(f"| `{m.name}` | {m.kind} | {'yes' if m.is_metric else 'no'} | {'yes' if m.symmetric else 'no'} "
                     f"| {ranges} | {'yes' if m.bayesian else 'no'} | {m.description} |")
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


#: The measures of the comparison page, and its network names.
COMPARISON_MEASURES = ("tv", "js", "hellinger", "cka", "rsa", "procrustes")
NETWORK_NAMES = {"alexnet": "AlexNet", "resnet18": "ResNet-18", "resnet34": "ResNet-34"}


def comparison_all_markdown() -> str:
    """Every measure between the shipped networks on all their stimuli (what ``make demo`` prints
    for these measures), and the sentence that reads one pair of it."""
    import itertools

    from bayesrep_plugin import DEFAULT_B, MEASURES, Representation, compare_measures, data

    reps = {net: Representation.from_activations(data.load_activations(net).values, name=net) for net in data.NETWORKS}
    pairs = list(itertools.combinations(data.NETWORKS, 2))
    values = {pair: compare_measures(*(reps[net] for net in pair), dict.fromkeys(COMPARISON_MEASURES, {}),
                                     b=DEFAULT_B) for pair in pairs}
    n = reps[data.NETWORKS[0]].n
    names = [" – ".join(NETWORK_NAMES[net] for net in pair) for pair in pairs]
    lines = [f"{n:,} images, b = {DEFAULT_B:g}, exact:", "",
             "| measure | kind | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(pairs)]
    for m in COMPARISON_MEASURES:
        kind = MEASURES[m].kind + (" (radians)" if m == "procrustes" else "")
        lines.append(f"| {m} | {kind} | " + " | ".join(f"{float(values[p][m]):.4f}" for p in pairs) + " |")
    first = values[pairs[0]]
    tv = float(first["tv"])
    lines += ["", f"CKA calls {names[0].replace(' – ', ' and ')} {float(first['cka']):.0%} similar, yet a linear "
              f"readout could tell their prior predictives apart with TV = {tv:.2f}: from a single draw of readout "
              f"outputs over the {n:,} images, the better guess of which network produced it is right with "
              f"probability (1 + TV)/2 = {(1 + tv) / 2:.0%}."]
    return "\n".join(lines)


def comparison_subset_markdown() -> str:
    """TV and JS with bootstrap intervals on the seeded subset of docs/comparison/generate.py."""
    import importlib.util
    from pathlib import Path

    from bayesrep_plugin import data
    from bayesrep_plugin.reports.inputs import Source
    from bayesrep_plugin.reports.leaderboard import build_comparison

    spec = importlib.util.spec_from_file_location("comparison_figures", Path(__file__).parents[1] / "comparison" / "generate.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    settings = figures.SETTINGS
    report = build_comparison([Source(data.activations_path(net), NETWORK_NAMES[net]) for net in data.NETWORKS],
                              settings, progress=False)
    rows = {(row["measure"], row["first"], row["second"]): row for row in report.rows}
    pairs = [(first, second) for measure, first, second in rows if measure == settings.measures[0]]
    cell = lambda row: f"{row['value']:.4f} | [{row['ci_low']:.4f}, {row['ci_high']:.4f}]"
    lines = [f"{settings.max_stimuli} randomly chosen images (seed {settings.seed}), b = {report.b:g}, "
             f"{settings.n_bootstrap} resamples of half the images:", "",
             "| pair | " + " | ".join(f"{m.upper()} | 95% interval" for m in settings.measures) + " |",
             "|---|" + "---|---|" * len(settings.measures)]
    lines += [f"| {first} – {second} | " + " | ".join(cell(rows[m, first, second]) for m in settings.measures) + " |"
              for first, second in pairs]
    return "\n".join(lines)


GENERATORS = {"<!-- generated: metrics -->": metrics_markdown,
              "<!-- generated: measures -->": measures_markdown,
              "<!-- generated: cli -->": cli_markdown,
              "<!-- generated: comparison-all -->": comparison_all_markdown,
              "<!-- generated: comparison-subset -->": comparison_subset_markdown}


#: A Sphinx role in a docstring, as Markdown renders it: ``:func:<code>~a.b.name</code>``.
SPHINX_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):<code>(~?)([\w.]+)</code>")


def on_page_content(html: str, **kwargs) -> str:
    """The docstrings' Sphinx roles (for readers of the code) as plain code in the API reference:
    ``~a.b.name`` shows ``name``, as Sphinx would."""
    return SPHINX_ROLE.sub(lambda m: f"<code>{m[2].rsplit('.', 1)[-1] if m[1] else m[2]}</code>", html)


def on_page_markdown(markdown: str, **kwargs) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # import-time notices of the libraries
        for marker, generate in GENERATORS.items():
            if marker in markdown:
                markdown = markdown.replace(marker, generate())
    return markdown
