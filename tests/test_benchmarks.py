"""A small run of the benchmark harness, so it cannot rot. The full runs are `make bench`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_harness_smoke_run(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--size",
            "60",
            "--requests",
            "20",
            "--clients",
            "2",
            "--workers",
            "1",
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [report] = list(tmp_path.glob("*.md"))
    rows = [
        line
        for line in report.read_text().splitlines()
        if line.startswith("| public") or line.startswith("| staff")
    ]
    assert len(rows) == 6
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        requests, rps, median, p95, rss = (float(c) for c in cells[2:7])
        assert requests == 20 and rps > 0 and 0 < median <= p95 and rss > 10
        assert cells[8] == "200: 20", row
    assert "command: `python -m benchmarks --size 60" in report.read_text()
    # The open-data API (rate limit off for the harness) and its stream.
    api_rows = [line for line in report.read_text().splitlines() if line.startswith("| api |")]
    assert len(api_rows) == 6
    for row in api_rows:
        assert row.rstrip(" |").endswith("200: 20"), row
    [stream] = [line for line in report.read_text().splitlines() if "format=ndjson" in line]
    assert "status 200" in stream and "INCOMPLETE" not in stream, stream


def test_brochure_benchmark_smoke_run(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.brochure",
            "--entries",
            "12",
            "--language",
            "ar",
            "--repeat",
            "2",
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [report] = list(tmp_path.glob("*-brochure.md"))
    [row] = [line for line in report.read_text().splitlines() if line.startswith("| 12 | ar |")]
    first, median, minimum, pages, size, rss = (float(c) for c in row.strip("|").split("|")[2:])
    assert 0 < minimum <= median and first > 0 and pages > 5 and size > 0 and rss > 50
