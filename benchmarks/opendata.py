"""The `api` scenario's measurements that are not request loops, each one a row of the
"open data" table:

- the full ndjson stream of every public service (`/api/hsds/services?format=ndjson`): time to
  the first byte and to the end, bytes, lines, and the resident memory of the gunicorn worker
  that serves it, sampled before, while the stream passes 10 % and 50 % of its lines, at its
  peak and at the end: a stream that holds everything in memory grows with the district;
- `manage.py export_hsds --output DIR`: time, peak memory (the child's own maximum resident
  set, from wait4), the files and their sizes;
- `manage.py import_hsds DIR/hsds.json --source bench --office SLUG --apply` into a fresh
  database migrated for the purpose (SQLite in its own data directory, or a new PostgreSQL
  database next to the benchmark's), so every record is new; then the same import again, with
  nothing changed.

The commands run with the server's environment (the harness's `_environment`). A command the
installation does not have yet is reported as "not available" rather than failing the run.
"""

import http.client
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
COMMAND_TIMEOUT = 3600
STREAM_PATH = "/api/hsds/services?format=ndjson"


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _mb(kib: float) -> float:
    return round(kib / 1024, 1)


class WorkerSampler(threading.Thread):
    """Samples each gunicorn worker's resident memory every 20 ms; keeps each one's peak."""

    def __init__(self, workers: list[int]):
        super().__init__(daemon=True)
        self.workers = workers
        self.before = {pid: rss_kib(pid) for pid in workers}
        self.peak = dict(self.before)
        self._done = threading.Event()

    def now(self) -> dict[int, int]:
        return {pid: rss_kib(pid) for pid in self.workers}

    def run(self):
        while not self._done.is_set():
            for pid, kib in self.now().items():
                self.peak[pid] = max(self.peak[pid], kib)
            self._done.wait(0.02)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def serving(self) -> int:
        """The worker that grew most: with sync workers, the one serving the stream."""
        return max(self.workers, key=lambda pid: self.peak[pid] - self.before[pid])


def stream(base: str, server_pid: int, expected_lines: int) -> dict:
    """Reads the whole ndjson stream on one connection, counting bytes and lines."""
    target = urlsplit(base)
    workers = _children(server_pid)
    sampler = WorkerSampler(workers)
    sampler.start()
    checkpoints = {
        max(1, expected_lines // 10): "10 %",
        max(1, expected_lines // 2): "50 %",
    }
    at: dict[str, dict[int, int]] = {}
    lines = size = 0
    first_byte = None
    status, error = 0, ""
    first = last = b""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
    try:
        conn.request("GET", STREAM_PATH)
        response = conn.getresponse()
        status = response.status
        tail = b""
        while chunk := response.read1(65536):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            before = lines
            lines += chunk.count(b"\n")
            for mark, name in checkpoints.items():
                if before < mark <= lines:
                    at[name] = sampler.now()
            tail += chunk
            if not first and b"\n" in tail:
                first = tail.split(b"\n", 1)[0]
            tail = tail[-200_000:]
        if tail.strip():
            last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    at["end"] = sampler.now()
    sampler.stop()
    valid = True
    for record in (first, last):
        try:
            valid = valid and bool(record) and "id" in json.loads(record)
        except ValueError:
            valid = False
    if not workers:
        return {"missing": "no gunicorn worker found to sample"}
    pid = sampler.serving()
    complete = status == 200 and not error and lines == expected_lines and valid
    return {
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or 0.0, 3),
        "bytes": size,
        "lines": lines,
        "expected_lines": expected_lines,
        "status": status,
        "complete": complete,
        "error": error or ("" if valid else "first or last line is not a JSON record"),
        "worker_rss_before_mb": _mb(sampler.before[pid]),
        "worker_rss_peak_mb": _mb(sampler.peak[pid]),
        "worker_rss_at_mb": {name: _mb(sample.get(pid, 0)) for name, sample in at.items()},
        "worker_growth_mb": _mb(sampler.peak[pid] - sampler.before[pid]),
    }


def run_command(argv: list[str], env: dict, log: Path) -> dict:
    """Runs a command to its end; its time, its own peak resident memory (wait4's ru_maxrss,
    in KiB on Linux) and its output (kept in `log`)."""
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603  # nosec B603
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        timer = threading.Timer(COMMAND_TIMEOUT, process.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": _mb(usage.ru_maxrss),
        "returncode": process.returncode,
        "output": output,
    }


def _manage(*arguments: str) -> list[str]:
    import sys

    return [sys.executable, str(ROOT / "manage.py"), *arguments]


def _summary(output: str, lines: int = 3) -> str:
    """The last lines a command printed, on one line for a table cell."""
    kept = [line.strip() for line in output.strip().splitlines() if line.strip()][-lines:]
    return " / ".join(kept).replace("|", "\\|")[:400]


def _import_summary(output: str) -> str:
    """The import report's count lines ("offer: new 20000, changed 0, …"), how many lines of
    detail followed, and its last line."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    counts = [line for line in lines if ": new " in line]
    if not counts:
        return _summary(output)
    details = len(lines) - len(counts) - 2  # the "Source:" line and the last line
    extra = [f"{details} lines of detail"] if details > 0 else []
    return " / ".join([*counts, *extra, lines[-1]]).replace("|", "\\|")[:600]


def _unavailable(result: dict, command: str) -> str | None:
    if result["returncode"] != 0 and "Unknown command" in result["output"]:
        return f"not available: manage.py {command} does not exist in this installation"
    return None


def _sizes(directory: Path) -> str:
    files = sorted(p for p in directory.iterdir() if p.is_file()) if directory.exists() else []
    return ", ".join(f"{p.name} {p.stat().st_size / 1024 / 1024:.1f} MB" for p in files) or "—"


def _postgres_url(database_url: str | None) -> bool:
    return bool(database_url) and urlsplit(database_url).scheme.startswith("postgres")


class FreshDatabase:
    """An empty database for the import: SQLite in its own data directory (the default), or a
    new PostgreSQL database `<benchmark database>_hsds_import` on the same server, dropped at
    the end."""

    def __init__(self, database_url: str | None, workdir: Path):
        self.workdir = workdir / "import-data"
        self.workdir.mkdir()
        self.url = None
        self.admin = None
        if _postgres_url(database_url):
            parts = urlsplit(database_url)
            self.name = parts.path.lstrip("/") + "_hsds_import"
            self.url = urlunsplit(parts._replace(path="/" + self.name))
            self.admin = urlunsplit(parts._replace(path="/postgres"))

    def _execute(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def __enter__(self) -> "FreshDatabase":
        if self.admin:
            self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            self._execute("CREATE DATABASE {}")
        return self

    def __exit__(self, *exc) -> None:
        if self.admin:
            self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")


OFFICE_SCRIPT = """
from wegweiser.accounts.models import Office
Office.objects.get_or_create(slug={slug!r}, defaults={{"name": "Imported district " + {slug!r}}})
"""

COUNT_SCRIPT = """
from wegweiser.directory.models import Location, Offer, Organisation
print("offers", Offer.objects.count(), "organisations", Organisation.objects.count(),
      "locations", Location.objects.count())
"""


def export_and_import(
    environment: Callable[[Path, str | None], dict],
    server_env: dict,
    workdir: Path,
    database_url: str | None,
    office: str,
) -> list[tuple[str, dict]]:
    """Rows (label, figures) for the export, the migration of a fresh database and the two
    imports into it."""
    rows: list[tuple[str, dict]] = []
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    out = workdir / "export"
    export = run_command(
        _manage("export_hsds", "--output", str(out)), server_env, logs / "export.log"
    )
    missing = _unavailable(export, "export_hsds")
    export["detail"] = missing or (
        _sizes(out) if export["returncode"] == 0 else "failed: " + _summary(export["output"])
    )
    export["target"] = "≤ 30 s"
    rows.append(("manage.py export_hsds --output DIR, full district", export))
    source = out / "hsds.json"
    label = f"manage.py import_hsds hsds.json --source bench --office {office} --apply"
    if export["returncode"] != 0 or not source.exists():
        why = missing or "not available: the export failed or wrote no hsds.json"
        rows.append((label + ", empty database", {"missing": why}))
        return rows
    with FreshDatabase(database_url, workdir) as fresh:
        env = environment(fresh.workdir, fresh.url)
        migrate = run_command(_manage("migrate", "--verbosity", "0"), env, logs / "migrate.log")
        migrate["detail"] = (
            "PostgreSQL " + fresh.name if fresh.url else "SQLite"
        ) + " (reference data only; the office is created empty)"
        rows.append(("fresh database for the import: manage.py migrate", migrate))
        if migrate["returncode"] != 0:
            migrate["detail"] = "failed: " + _summary(migrate["output"])
            return rows
        created = run_command(
            _manage("shell", "-c", OFFICE_SCRIPT.format(slug=office)), env, logs / "office.log"
        )
        if created["returncode"] != 0:
            rows.append(("create the office", {"missing": _summary(created["output"])}))
            return rows
        command = _manage(
            "import_hsds", str(source), "--source", "bench", "--office", office, "--apply"
        )
        for n, what in enumerate(("empty database, every record new", "again, nothing changed")):
            result = run_command(command, env, logs / f"import-{n}.log")
            missing = _unavailable(result, "import_hsds")
            if missing:
                rows.append((f"{label}, {what}", {"missing": missing}))
                return rows
            if result["returncode"] != 0:
                result["detail"] = f"failed (exit {result['returncode']}): " + _summary(
                    result["output"]
                )
            else:
                counted = run_command(
                    _manage("shell", "-c", COUNT_SCRIPT), env, logs / f"count-{n}.log"
                )
                after = _summary(counted["output"], 1)
                result["detail"] = _import_summary(result["output"]) + " — afterwards " + after
            result["target"] = "≤ 60 s" if n == 0 else ""
            rows.append((f"{label}, {what}", result))
    return rows
