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
