"""The benchmark harness: builds a synthetic district of a chosen size, serves the app with
the production WSGI server (gunicorn), drives load from a separate process on loopback and
writes a results table (median, p95, requests/s, peak memory) with the date and the exact
command into benchmarks/results/.

    python -m benchmarks --size 20000 --scenario public --scenario staff
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import opendata
from benchmarks.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids.extend(_tree(int(child)))
    return pids


class MemorySampler(threading.Thread):
    """Samples the summed resident memory of a process tree; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self._done = pid, 0, threading.Event()

    def run(self):
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, sum(opendata.rss_kib(p) for p in _tree(self.pid)))
            self._done.wait(0.05)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kib


def _environment(workdir: Path, database_url: str | None) -> dict:
    env = {
        **os.environ,
        "WEGWEISER_ENV": "production",
        "SECRET_KEY": "benchmark-only-" + "b" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "WEGWEISER_DATA_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # The open-data API's per-address limit would answer the load generator with 429.
        "API_RATE_LIMIT_REQUESTS": "0",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the WSGI server exited during start-up")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310  # nosec B310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the WSGI server did not come up")


def _load(base: str, paths: list[str], clients: int, requests: int, cookie: str | None) -> dict:
    command = [
        PYTHON,
        "-m",
        "benchmarks.load",
        "--base",
        base,
        "--clients",
        str(clients),
        "--requests",
        str(requests),
    ]
    for path in paths:
        command += ["--path", path]
    if cookie:
        command += ["--header", f"Cookie: sessionid={cookie}"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)  # noqa: S603  # nosec B603
    return json.loads(result.stdout)


def run(args) -> Path:
    with tempfile.TemporaryDirectory(prefix="wegweiser-bench-") as tmp:
        workdir = Path(tmp)
        env = _environment(workdir, args.database_url)
        started = time.perf_counter()
        prepared = subprocess.run(  # noqa: S603  # nosec B603
            [PYTHON, "-m", "benchmarks.prepare", str(args.size), str(args.seed)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        world = json.loads(prepared.stdout.strip().splitlines()[-1])
        build_seconds = time.perf_counter() - started
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                PYTHON,
                "-m",
                "gunicorn",
                "wegweiser.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        rows = []
        extra = []
        try:
            _wait_until_up(base, server)
            for name in args.scenario:
                for label, paths, needs_login in SCENARIOS[name](world):
                    cookie = world["session"] if needs_login else None
                    # Warm up on the last URLs, which the measured run does not reach when
                    # each request has its own URL (the "uncached" lines).
                    _load(base, paths[-50:], args.clients, min(50, args.requests), cookie)
                    sampler = MemorySampler(server.pid)
                    sampler.start()
                    figures = _load(base, paths, args.clients, args.requests, cookie)
                    figures["peak_rss_mb"] = round(sampler.stop() / 1024, 1)
                    rows.append((name, label, figures))
            if "guide" in args.scenario:
                rows.append(
                    (
                        "guide",
                        "same start page as a static file, nginx",
                        _nginx_static(base, workdir, args),
                    )
                )
            if "api" in args.scenario:
                extra = _open_data(base, server, workdir, env, args, world)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _write(args, world, rows, build_seconds, extra)


def _open_data(base, server, workdir: Path, env: dict, args, world: dict) -> list:
    """The `api` scenario's stream, export and imports (benchmarks/opendata.py)."""
    figures = opendata.stream(base, server.pid, world["services"])
    if "missing" not in figures:
        at = figures["worker_rss_at_mb"]
        memory = " → ".join(f"{name} {at[name]}" for name in ("10 %", "50 %", "end") if name in at)
        figures["peak_rss_mb"] = (
            f"worker {figures['worker_rss_before_mb']} → {figures['worker_rss_peak_mb']} "
            f"(+{figures['worker_growth_mb']})"
        )
        figures["detail"] = (
            f"{figures['bytes'] / 1024 / 1024:.1f} MB, {figures['lines']} lines of "
            f"{figures['expected_lines']} public services, status {figures['status']}, "
            f"first byte after {figures['first_byte_s']} s; worker RSS MB at {memory}"
            + ("" if figures["complete"] else f"; INCOMPLETE {figures['error']}".rstrip())
        )
    rows = [("services?format=ndjson, every public service, one connection", figures)]
    rows += opendata.export_and_import(
        _environment, env, workdir, args.database_url, world["office"]
    )
    return rows


NGINX_CONF = """
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files /index.html =404; default_type text/html; }}
    }}
}}
"""


def _nginx_static(base: str, workdir: Path, args) -> dict:
    """The ceiling: the rendered start page served as a file by nginx on the same machine."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        return {"missing": "nginx is not installed (apt-get install nginx-light)"}
    root = workdir / "static-page"
    root.mkdir()
    # nginx's workers run as an unprivileged user: they must be able to read the page.
    workdir.chmod(0o755)
    root.chmod(0o755)
    with urllib.request.urlopen(f"{base}/de/", timeout=10) as response:  # noqa: S310  # nosec B310
        (root / "index.html").write_bytes(response.read())
    (root / "index.html").chmod(0o644)
    port = _free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=args.workers, prefix=workdir, port=port, root=root))
    subprocess.run([nginx, "-c", str(conf), "-p", str(workdir)], check=True)  # noqa: S603  # nosec B603
    try:
        static_base = f"http://127.0.0.1:{port}"
        _load(static_base, ["/"], args.clients, min(50, args.requests), None)
        figures = _load(static_base, ["/"], args.clients, args.requests, None)
        figures["peak_rss_mb"] = 0.0
        return figures
    finally:
        subprocess.run([nginx, "-c", str(conf), "-p", str(workdir), "-s", "stop"], check=False)  # noqa: S603  # nosec B603


def _write(args, world: dict, rows: list, build_seconds: float, extra: list) -> Path:
    now = datetime.now(UTC)
    command = "python -m benchmarks " + shlex.join(sys.argv[1:])
    lines = [
        f"# Benchmark {now:%Y-%m-%d %H:%M} UTC — {world['offers']} offers",
        "",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}, gunicorn with {args.workers} "
        f"workers; the load generator runs on the same machine ({args.clients} clients, "
        f"closed loop)",
        f"- building the district took {build_seconds:.1f} s; load average at the end "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1 / 5 / 15 min)",
        "",
        "| scenario | what | requests | req/s | median ms | p95 ms | peak RSS MB | bytes "
        "| statuses |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    static = next((f for _n, label, f in rows if "nginx" in label and "rps" in f), None)
    for name, label, f in rows:
        if "missing" in f:
            lines.append(f"| {name} | {label} | — | — | — | — | — | — | {f['missing']} |")
            continue
        if static and "cached" in label and "uncached" not in label:
            label = f"{label} ({f['rps'] / static['rps']:.0%} of nginx)"
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(f["statuses"].items()))
        lines.append(
            f"| {name} | {label} | {f['requests']} | {f['rps']} | {f['median_ms']} | "
            f"{f['p95_ms']} | {f['peak_rss_mb']} | {f['mean_bytes']} | {statuses} |"
        )
    if extra:
        lines += [
            "",
            "Open data without a request loop (`api` scenario): the ndjson stream on one "
            "connection to the running server; the export and the imports as `manage.py` "
            "commands with the server's environment; peak RSS of a command is its own "
            "maximum resident set.",
            "",
            "| what | seconds | peak RSS MB | target | detail |",
            "|---|---:|---|---|---|",
        ]
        for label, f in extra:
            if "missing" in f:
                lines.append(f"| {label} | — | — | | {f['missing']} |")
                continue
            lines.append(
                f"| {label} | {f['seconds']} | {f['peak_rss_mb']} | {f.get('target', '')} "
                f"| {f.get('detail', '')} |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{now:%Y-%m-%d-%H%M%S}-{'-'.join(args.scenario)}-{world['offers']}.md"
    path.write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1000, help="offers (1000 / 20000 / 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1000, help="per scenario line")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database-url", help="benchmark on PostgreSQL instead of SQLite")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    args.scenario = args.scenario or sorted(SCENARIOS)
    path = run(args)
    print(f"results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
