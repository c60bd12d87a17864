"""A b below what double precision resolves: exit 3 with one line that says which b works."""

import numpy as np

from bayesrep_plugin import cli


def test_tiny_b_exits_3_with_one_line_and_a_resolved_b_gives_values(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "a.npy", rng.standard_normal((300, 40)))
    np.save(tmp_path / "b.npy", rng.standard_normal((300, 30)))
    (tmp_path / "ids.txt").write_text("\n".join(f"s{i}" for i in range(300)))
    args = ["compare", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--stimulus-ids", str(tmp_path / "ids.txt"),
            "--measure", "tv", "--n-bootstrap", "0", "--out", str(tmp_path / "out"), "-q"]
    assert cli.main([*args, "--b", "1e-12"]) == cli.EXIT_INPUT
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bayesrep: error: b = 1e-12 is below what double precision")
    assert "b >= 3e-07" in lines[0]
    assert cli.main([*args, "--b", "3e-07"]) == cli.EXIT_OK
