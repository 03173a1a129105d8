"""Backups and restores of the database and uploaded files, with a manifest of row counts and
checksums that the restore checks against (SQLite through its online backup API, PostgreSQL
through pg_dump/pg_restore)."""

import hashlib
import json
import os
import shutil
import sqlite3

# Runs pg_dump/pg_restore, found with shutil.which, with fixed arguments.
import subprocess  # nosec B404
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore could not be completed; nothing was changed by a failed restore
    before the database step."""


def _row_digest(row) -> str:
    values = [v.hex() if isinstance(v, bytes | memoryview) else str(v) for v in row]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()


def table_checksums() -> dict[str, dict]:
    """Row count and an order-independent checksum of every table."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            # Table names come from the database's own introspection, not from input.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608
            digests = sorted(_row_digest(row) for row in cursor.fetchall())
            result[table] = {
                "rows": len(digests),
                "checksum": hashlib.sha256("".join(digests).encode()).hexdigest(),
            }
    return result


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return path


def _run_pg(name: str, arguments: list[str], env: dict) -> None:
    result = subprocess.run(  # noqa: S603  # nosec B603
        [_tool(name), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()}")


def _pg_env_and_args() -> tuple[dict, list[str]]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = []
    for flag, key in [("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")]:
        if db.get(key):
            args += [flag, str(db[key])]
    return env, args + ["--dbname", db["NAME"]]


def backup_create(output_dir: Path) -> Path:
    """Write one .tar.gz holding the database, the uploaded files and a manifest."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    archive = output_dir / f"wegweiser-backup-{stamp}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if connection.vendor == "sqlite":
            database_file = work / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(database_file)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            database_file = work / "database.pgdump"
            env, args = _pg_env_and_args()
            _run_pg(
                "pg_dump",
                ["--format=custom", "--no-owner", "--file", str(database_file), *args],
                env,
            )
        else:
            raise BackupError(f"backups of {connection.vendor} are not supported")
        media = {}
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                media[str(path.relative_to(media_root))] = _file_digest(path)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "database_file": database_file.name,
            "tables": table_checksums(),
            "media": media,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(database_file, arcname=database_file.name)
            if media:
                tar.add(media_root, arcname="media")
    return archive


def _safe_extract(archive: Path, target: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(target, filter="data")  # refuses absolute paths, links out, devices


def backup_restore(archive: Path) -> dict:
    """Replace the current database and uploads by the archive's; check the result against
    the manifest and raise BackupError on any difference."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            _safe_extract(archive, work)
            manifest = json.loads((work / MANIFEST).read_text())
        except (tarfile.TarError, OSError, ValueError, KeyError) as exc:
            raise BackupError(f"not a readable Wegweiser backup: {exc}") from exc
        if manifest["engine"] != connection.vendor:
            raise BackupError(
                f"this backup is of {manifest['engine']}, the configured database is "
                f"{connection.vendor}"
            )
        database_file = work / manifest["database_file"]
        for name, digest in manifest["media"].items():
            if _file_digest(work / "media" / name) != digest:
                raise BackupError(f"uploaded file {name} in the backup is damaged")
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(database_file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA integrity_check")
                status = cursor.fetchone()[0]
            if status != "ok":
                raise BackupError(f"SQLite integrity check failed: {status}")
        else:
            env, args = _pg_env_and_args()
            connection.close()
            _run_pg(
                "pg_restore",
                [
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    *args,
                    str(database_file),
                ],
                env,
            )
        media_root = Path(settings.MEDIA_ROOT)
        if manifest["media"]:
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work / "media", media_root, dirs_exist_ok=True)
    restored = table_checksums()
    differences = [
        table for table, expected in manifest["tables"].items() if restored.get(table) != expected
    ]
    if differences:
        raise BackupError(f"restored tables differ from the backup: {', '.join(differences)}")
    return manifest
