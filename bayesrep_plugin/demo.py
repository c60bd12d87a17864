"""`make demo`: every measure between three real ImageNet-trained networks.

AlexNet, ResNet-18 and ResNet-34 activations to the same 2,400 objectome images ship inside
brainscore-vision; nothing is downloaded.
"""

from __future__ import annotations

import itertools
import time

from . import data
from .core import MEASURES, Representation, compare


def measure_table(b: float = 0.01, progress: bool = True) -> tuple[list[str], list[tuple[str, str]], dict]:
    """{(network1, network2): {measure: value}} for every pair of the shipped networks."""
    reps = {name: Representation.from_activations(data.load_activations(name).values, b=b, name=name)
            for name in data.NETWORKS}
    pairs = list(itertools.combinations(data.NETWORKS, 2))
    values = {}
    for a, c in pairs:
        start = time.perf_counter()
        values[a, c] = {m: float(compare(reps[a], reps[c], m)) for m in MEASURES}
        if progress:
            print(f"  {a} vs {c}: {time.perf_counter() - start:.1f} s")
    return list(MEASURES), pairs, values


def format_table(measures: list[str], pairs: list[tuple[str, str]], values: dict) -> str:
    header = f"{'measure':<14}" + "".join(f"{a + ' vs ' + c:>22}" for a, c in pairs)
    rows = [f"{m:<14}" + "".join(f"{values[p][m]:>22.6f}" for p in pairs) for m in measures]
    kinds = "kind: " + ", ".join(f"{m}={MEASURES[m].kind}" for m in measures)
    return "\n".join([header, "-" * len(header), *rows, "", kinds])


def main() -> None:
    print("Comparing the real AlexNet / ResNet-18 / ResNet-34 activations (2,400 objectome images, b = 0.01):")
    print(format_table(*measure_table()))


if __name__ == "__main__":
    main()
