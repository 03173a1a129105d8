"""A backup of a populated database restores into a new one with equal row counts and
checksums (and SQLite's integrity check), uploads included."""

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wegweiser.core.backup import table_checksums
from wegweiser.directory.demo.loader import load_demo

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def _manage(env: dict, *args):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=ROOT,
    )


@pytest.fixture
def target_database(tmp_path):
    """Environment for a brand-new, empty database of the same kind as the one in use."""
    data_dir = tmp_path / "restored"
    env = {"WEGWEISER_DATA_DIR": str(data_dir)}
    if connection.vendor == "sqlite":
        yield env, data_dir / "wegweiser.sqlite3"
        return
    import psycopg

    settings_db = connection.settings_dict
    name = f"wegweiser_restore_{uuid.uuid4().hex[:8]}"
    params = {
        "host": settings_db["HOST"],
        "port": settings_db["PORT"] or 5432,
        "user": settings_db["USER"],
        "password": settings_db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    port = settings_db["PORT"] or 5432
    env["DATABASE_URL"] = f"postgres://{settings_db['USER']}@{settings_db['HOST']}:{port}/{name}"
    yield env, None
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_into_a_new_database(tmp_path, settings, target_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "logos").mkdir(parents=True)
    (tmp_path / "media" / "logos" / "a.png").write_bytes(b"\x89PNG fake but bytes")
    load_demo()
    original = table_checksums()
    assert original["directory_offer"]["rows"] >= 70

    call_command("backup", output=str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("wegweiser-backup-*.tar.gz"))

    env, sqlite_file = target_database
    env = {**env, "MEDIA_ROOT": str(tmp_path / "restored-media")}
    result = _manage(env, "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert "checksums match" in result.stdout

    restored = json.loads(_manage(env, "backup", "--checksums").stdout.strip().splitlines()[-1])
    assert restored == original
    assert (
        tmp_path / "restored-media" / "logos" / "a.png"
    ).read_bytes() == b"\x89PNG fake but bytes"
    if sqlite_file is not None:
        with sqlite3.connect(sqlite_file) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # A second restore over data needs --yes.
    again = _manage(env, "restore", str(archive))
    assert again.returncode != 0 and "--yes" in again.stderr


def test_restore_refuses_a_damaged_archive(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="not a readable"):
        call_command("restore", str(bad), yes=True)


def test_restore_refuses_path_traversal(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, arcname="../../escaped.txt")
    with pytest.raises(CommandError):
        call_command("restore", str(evil), yes=True)
    assert not (tmp_path.parent.parent / "escaped.txt").exists()
