"""What must not go wrong under load or failure: concurrent SQLite writers, an import killed
half-way."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import close_old_connections, connection

from tests.factories import OfferFactory, UserFactory
from wegweiser.core.records import EditConflict
from wegweiser.directory import services
from wegweiser.directory.models import Offer, Organisation

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_neither_lock_out_nor_lose_updates():
    """Eight threads each append to the same offer's description twenty times, re-reading and
    retrying on conflict, as editors would; every append must survive."""
    offer = OfferFactory(description="")
    user = UserFactory()
    threads, per_thread, errors = 8, 20, []

    def worker(n: int):
        try:
            for i in range(per_thread):
                while True:
                    current = Offer.objects.get(pk=offer.pk)
                    try:
                        services.entry_update(
                            current,
                            data={"description": f"{current.description}[{n}.{i}]"},
                            expected_version=current.version,
                            actor=user,
                            office=current.organisation.office,
                        )
                        break
                    except EditConflict:
                        continue
        except Exception as exc:  # noqa: BLE001 - reported below, with its type
            errors.append(repr(exc))
        finally:
            close_old_connections()
            connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    offer.refresh_from_db()
    assert offer.version == 1 + threads * per_thread
    for n in range(threads):
        for i in range(per_thread):
            assert f"[{n}.{i}]" in offer.description


KILLED_IMPORT = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wegweiser.settings")
django.setup()
from wegweiser.directory.demo import loader

original = loader.DemoLoader._offer
count = {"n": 0}

def slow_offer(self, *args, **kwargs):
    original(self, *args, **kwargs)
    count["n"] += 1
    if count["n"] == 25:
        open(sys.argv[1], "w").close()   # half-way: tell the test, then wait to be killed
        time.sleep(120)

loader.DemoLoader._offer = slow_offer
loader.load_demo()
"""


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_half_way_leaves_nothing_behind(tmp_path):
    from django.conf import settings

    marker = tmp_path / "halfway"
    script = tmp_path / "import.py"
    script.write_text(KILLED_IMPORT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    process = subprocess.Popen(
        [sys.executable, str(script), str(marker)], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the import never reached half-way"
            time.sleep(0.05)
        assert Organisation.objects.count() == 0  # not visible while running either
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert Organisation.objects.count() == 0
    assert Offer.objects.count() == 0
