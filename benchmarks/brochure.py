"""Brochure rendering: time and peak memory to typeset an edition of 150 and of 1 000 entries,
in German and in Arabic.

    python -m benchmarks.brochure [--entries 150 --entries 1000] [--language de --language ar]
                                  [--repeat 5] [--output benchmarks/results]

The demo district is loaded into a fresh SQLite database in a temporary folder; its
snapshot (158 offers with their translations) is repeated, with new ids and numbered names
and organisations, up to the wanted number of entries. Every rendering runs in a new process
(typst memoises layout inside a process, so a second rendering of the same document in one
process would be flattered). The first rendering of each row starts without QR codes and
makes them; the later ones find them in the QR folder, as every rendering after an offer's
first does. A rendering is what the background task does: the document for the language
(texts, hours, QR codes, map), the glyph check, typst and the page count. Peak memory is the
child process's maximum resident set (getrusage)."""

import argparse
import copy
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def scaled(data: dict, entries: int) -> dict:
    """The snapshot with exactly `entries` offers, repeating the demo's with new ids."""
    base = data["offers"]
    out = copy.deepcopy(data)
    out["offers"] = []
    organisations = {}
    for i in range(entries):
        round_, entry = divmod(i, len(base))
        offer = copy.deepcopy(base[entry])
        if round_:
            offer["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-{i}"))
            offer["name"] = {k: f"{v} ({round_ + 1})" for k, v in offer["name"].items()}
            offer["urls"] = {
                k: v.replace(base[entry]["id"], offer["id"]) for k, v in offer["urls"].items()
            }
            org_id = f"{offer['organisation']}-{round_}"
            if org_id not in organisations:
                org = copy.deepcopy(data["organisations"][offer["organisation"]])
                org["id"] = org_id
                org["name"] = {k: f"{v} ({round_ + 1})" for k, v in org["name"].items()}
                organisations[org_id] = org
            offer["organisation"] = org_id
        out["offers"].append(offer)
    out["organisations"] = {**data["organisations"], **organisations}
    return out


def child(args) -> None:
    """Runs inside the prepared data folder: render `repeat` times, print figures as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wegweiser.settings")
    django.setup()
    from wegweiser.accounts.models import Office
    from wegweiser.guide import brochure, snapshot
    from wegweiser.guide.models import Edition

    office = Office.objects.get(slug="leipziger-osten")
    edition = Edition(office=office, number=99, title="Benchmark", languages=["ar"])
    started = time.perf_counter()
    data = snapshot.build(edition)
    snapshot_seconds = time.perf_counter() - started
    data = scaled(data, args.entries)
    started = time.perf_counter()
    doc = brochure.document(data, args.language, paper="a5", print_ready=False)
    result = brochure.render(doc)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "pages": result.pages,
                "bytes": len(result.pdf),
                "snapshot_seconds": snapshot_seconds,
                "source_offers": len(data["offers"]),
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run(args) -> Path:
    rows = []
    with tempfile.TemporaryDirectory(prefix="wegweiser-brochure-bench-") as tmp:
        env = {**os.environ, "WEGWEISER_DATA_DIR": tmp, "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["load_site_content"],
            ["load_demo", "--quiet-logins", "--no-brochures"],
        ):
            subprocess.run(  # noqa: S603  # nosec B603
                [PYTHON, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        for entries in args.entries:
            for language in args.language:
                runs = []
                qr_folder = Path(tmp) / f"brochures-{entries}-{language}"
                for _ in range(args.repeat):
                    out = subprocess.run(  # noqa: S603  # nosec B603
                        [
                            PYTHON,
                            "-m",
                            "benchmarks.brochure",
                            "--child",
                            "--entries",
                            str(entries),
                            "--language",
                            language,
                        ],
                        cwd=ROOT,
                        env={**env, "BROCHURE_DIR": str(qr_folder)},
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                later = [r["seconds"] for r in runs[1:]] or [runs[0]["seconds"]]
                rows.append(
                    {
                        "entries": entries,
                        "language": language,
                        "first_s": round(runs[0]["seconds"], 3),
                        "median_s": round(statistics.median(later), 3),
                        "min_s": round(min(later), 3),
                        "pages": runs[-1]["pages"],
                        "mb": round(runs[-1]["bytes"] / 1024 / 1024, 2),
                        "max_rss_mb": round(max(r["max_rss_mb"] for r in runs), 1),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return write(args, rows)


def write(args, rows) -> Path:
    now = datetime.now(UTC)
    command = "python -m benchmarks.brochure " + shlex.join(sys.argv[1:])
    lines = [
        f"# Brochure rendering {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores; {args.repeat} renderings per row, each in a new "
        "process; A5, no print marks. First = the first rendering, which makes the QR codes; "
        "median and min are over the later ones, which find them made.",
        "",
        "| entries | language | first s | median s | min s | pages | PDF MB | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['entries']} | {r['language']} | {r['first_s']} | {r['median_s']} "
            f"| {r['min_s']} | {r['pages']} | {r['mb']} | {r['max_rss_mb']} |"
        )
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now:%Y-%m-%d-%H%M%S}-brochure.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(path)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, action="append")
    parser.add_argument("--language", action="append")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.entries, args.language = args.entries[0], args.language[0]
        child(args)
        return
    args.entries = args.entries or [150, 1000]
    args.language = args.language or ["de", "ar"]
    run(args)


if __name__ == "__main__":
    main()
