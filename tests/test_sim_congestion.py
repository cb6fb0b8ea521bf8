"""sim.congestion: router2 heatmap rows summed by module prefix."""

import pytest

from sim.congestion import by_module, main, read_heatmap

ROWS = [
    ("core.engine.gcm.ghash.s0_acc[1]", 5),
    ("core.engine.gcm.ghash.s0_b[7]", 3),
    ("core.engine.gcm.aes.port__addr$12[0]", 4),
    ("valid2", 1),
]


def test_by_module_sums_overuse_and_counts_nets():
    assert by_module(ROWS, 4) == [
        ("core.engine.gcm.ghash", 8, 2),
        ("core.engine.gcm.aes", 4, 1),
        ("valid2", 1, 1),
    ]
    assert by_module(ROWS, 2) == [("core.engine", 12, 3), ("valid2", 1, 1)]
    with pytest.raises(ValueError, match="depth"):
        by_module(ROWS, 0)


def test_reads_the_csv_and_prints_the_table(tmp_path, capsys):
    path = tmp_path / "heat_congestion_by_net_1.csv"
    path.write_text("".join(f"{n},{v}\n" for n, v in ROWS))
    assert read_heatmap(path) == ROWS
    assert main([str(path), "--depth", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["8", "61.5%", "2", "core.engine.gcm.ghash"]
    assert out[-1].split()[:3] == ["13", "100.0%", "4"]


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("core.x,many\n")
    assert main([str(path)]) == 2
    assert "overuse is not an integer" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.csv")]) == 2
