"""Project-wide checks: migrations, lint, production settings, catalogues, settings helpers."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from wegweiser.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_ruff_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    unwanted = {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=ROOT,
    )


PRODUCTION = {
    "WEGWEISER_ENV": "production",
    "SECRET_KEY": "k" * 60 + "-production-test-secret-value",
    "ALLOWED_HOSTS": "wegweiser.example",
}


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = _manage(
        {**PRODUCTION, "WEGWEISER_DATA_DIR": str(tmp_path)},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": "", "WEGWEISER_DATA_DIR": str(tmp_path)}
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("f" * 64 + "-from-a-file\n")
    env = {
        **PRODUCTION,
        "SECRET_KEY": "",
        "SECRET_KEY_FILE": str(secret),
        "WEGWEISER_DATA_DIR": str(tmp_path),
    }
    result = _manage(
        env, "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    assert result.stdout.strip().splitlines()[-1] == "f" * 64 + "-from-a-file"


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("W_BOOL", "yes")
    monkeypatch.setenv("W_INT", "42")
    monkeypatch.setenv("W_LIST", "a, b,,c")
    assert env_bool("W_BOOL") is True
    assert env_int("W_INT", 1) == 42
    assert env_list("W_LIST") == ["a", "b", "c"]
    assert env_str("W_MISSING", "x") == "x"
    monkeypatch.setenv("W_BOOL", "perhaps")
    with pytest.raises(ImproperlyConfigured):
        env_bool("W_BOOL")
    monkeypatch.setenv("W_INT", "many")
    with pytest.raises(ImproperlyConfigured):
        env_int("W_INT", 1)


def test_sqlite_is_tuned_for_an_office(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only check; this run uses PostgreSQL")
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.postgres_only
def test_postgresql_is_in_use_when_asked(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]  # en: the msgids


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogues_are_complete(language):
    path = ROOT / "wegweiser" / "locale" / language / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    placeholder = re.compile(r"%\((\w+)\)s")
    for entry in catalogue.translated_entries():
        expected = set(placeholder.findall(entry.msgid))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            assert set(placeholder.findall(form)) <= expected | {"counter"}, entry.msgid
            if not entry.msgid_plural:
                assert set(placeholder.findall(form)) == expected, entry.msgid


def test_makemessages_would_change_nothing(tmp_path):
    """Every translatable string in the code is in the catalogues, and nothing stale is."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext) is required in CI")
        pytest.skip("GNU gettext not installed: catalogue freshness not checked")
    copy = tmp_path / "wegweiser"
    shutil.copytree(ROOT / "wegweiser", copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "WEGWEISER_DATA_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "de",
            "--no-obsolete",
            "--settings",
            "wegweiser.settings",
        ],
        capture_output=True,
        text=True,
        cwd=copy,
        env=env,
    )
    assert result.returncode == 0, result.stderr

    def msgids(path):
        return {(e.msgctxt, e.msgid, e.msgid_plural) for e in polib.pofile(str(path))}

    relative = Path("locale/de/LC_MESSAGES/django.po")
    assert msgids(copy / relative) == msgids(ROOT / "wegweiser" / relative)


def test_console_command_runs_manage():
    result = subprocess.run(
        [sys.executable, "-m", "wegweiser", "check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


def test_bandit_finds_nothing_unreviewed():
    """Every bandit finding is fixed or carries a reviewed `# nosec <id>` with its reason."""
    bandit = Path(sys.executable).parent / "bandit"
    result = subprocess.run(
        [
            bandit,
            "-q",
            "-r",
            str(ROOT / "wegweiser"),
            "-x",
            "*/migrations/*",
            "-f",
            "custom",
            "--msg-template",
            "{relpath}:{line} {test_id} {msg}",
        ],
        capture_output=True,
        text=True,
    )
    findings = [line for line in result.stdout.splitlines() if line.strip()]
    assert result.returncode == 0 and findings == [], "\n".join(findings) + result.stderr
