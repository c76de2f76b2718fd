"""The benchmark scripts still run (a smoke test with one repeat; no timing is asserted)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script, name", [("bench_rnn.py", "helpers.rnn"), ("bench_lstm.py", "helpers.lstm")])
def test_benchmark_script_runs(script, name):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--repeats", "1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("(T, N, D, H) = (50, 32, 64, 128)")
    for dtype in ("float64", "float32"):
        assert any(re.match(rf"\s*{dtype}: {re.escape(name)}\s+\d+\.\d+ ms", line) for line in lines), proc.stdout


def test_widget_benchmark_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_widgets.py"), "--repeats", "1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    from helpers import widgets
    explorers = [name for name in widgets.__all__ if name.endswith("Explorer")]  # every one must be timed
    assert len(explorers) >= 5
    for name in explorers:
        pattern = (rf"{name}\s+first\s+\d+\.\d ms, median\s+\d+\.\d ms \(update\s+\d+\.\d, render\s+\d+\.\d\)  "
                   r"(under|OVER) the goals")
        assert any(re.match(pattern, line) for line in proc.stdout.splitlines()), proc.stdout


def test_translator_benchmark_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_translator.py"), "--repeats", "1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Transformer training step"), proc.stdout
    assert any(re.match(r"\s*float32: helpers\.transformer\s+\d+\.\d+ ms", line) for line in lines), proc.stdout
    from helpers.seeding import make_rng
    from helpers.transformer import init_transformer
    from helpers.translation import DE_VOCAB, EN_VOCAB
    params = init_transformer(len(EN_VOCAB), len(DE_VOCAB), 64, 4, 128, 2, make_rng(0), norm="pre")
    expected = f"parameters: helpers.transformer {sum(v.size for v in params.values()):,}"
    assert any(line.startswith(expected) for line in lines), proc.stdout
