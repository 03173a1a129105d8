"""Machine translation against local HTTP servers speaking DeepL's and LibreTranslate's real
request and response formats."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import OfferFactory
from wegweiser.directory.models import OfferTranslation
from wegweiser.translations.machine import MachineTranslationError, record_machine_translate
from wegweiser.translations.models import MachineTranslationUsage


class FakeService(BaseHTTPRequestHandler):
    """Answers like the real APIs: uppercased text stands in for the translation."""

    mode = "ok"
    seen: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802 - http.server's API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeService.seen.append((self.path, dict(self.headers), body))
        if FakeService.mode == "slow":
            time.sleep(2)
        if FakeService.mode == "garbage":
            payload = b"<html>502 Bad Gateway</html>"
        elif self.path == "/v2/translate":
            assert self.headers["Authorization"] == "DeepL-Auth-Key secret-key"
            payload = json.dumps(
                {
                    "translations": [
                        {
                            "detected_source_language": "DE",
                            "text": f"[{body['target_lang']}] {t.upper()}",
                        }
                        for t in body["text"]
                    ]
                }
            ).encode()
        elif self.path == "/translate":
            payload = json.dumps(
                {"translatedText": [f"[{body['target']}] {t.upper()}" for t in body["q"]]}
            ).encode()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def service(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeService.mode, FakeService.seen = "ok", []
    settings.MACHINE_TRANSLATION_URL = f"http://127.0.0.1:{server.server_port}"
    settings.MACHINE_TRANSLATION_API_KEY = "secret-key"
    settings.MACHINE_TRANSLATION_TIMEOUT = 1
    yield settings
    server.shutdown()


@pytest.mark.parametrize("provider", ["deepl", "libretranslate"])
def test_machine_translation_is_stored_as_unreviewed(service, provider, db):
    service.MACHINE_TRANSLATION_PROVIDER = provider
    offer = OfferFactory(name="Sprachcafé", summary="Deutsch üben")
    assert record_machine_translate(offer, "ar") is True
    row = OfferTranslation.objects.get(offer=offer, language="ar")
    assert row.origin == "machine" and row.source_revision == offer.revision
    assert row.name == ("[AR] SPRACHCAFÉ" if provider == "deepl" else "[ar] SPRACHCAFÉ")
    path, headers, body = FakeService.seen[0]
    if provider == "deepl":
        assert path == "/v2/translate" and body["source_lang"] == "DE"
    else:
        assert path == "/translate" and body["source"] == "de" and body["api_key"] == "secret-key"
    assert MachineTranslationUsage.objects.get().characters == len("Sprachcafé") + len(
        "Deutsch üben"
    )


def test_never_overwrites_a_human_translation(service, db):
    service.MACHINE_TRANSLATION_PROVIDER = "deepl"
    offer = OfferFactory(name="Elterncafé")
    OfferTranslation.objects.create(
        offer=offer, language="ar", name="مقهى الأهل", source_revision=1, origin="human"
    )
    assert record_machine_translate(offer, "ar") is False
    assert OfferTranslation.objects.get(offer=offer, language="ar").name == "مقهى الأهل"
    assert FakeService.seen == []


def test_budget_is_enforced(service, db):
    service.MACHINE_TRANSLATION_PROVIDER = "deepl"
    service.MACHINE_TRANSLATION_MONTHLY_CHARACTERS = 15
    offer = OfferFactory(name="Sprachcafé", summary="Deutsch üben und Freunde finden")
    with pytest.raises(MachineTranslationError, match="budget"):
        record_machine_translate(offer, "tr")
    assert not OfferTranslation.objects.filter(offer=offer).exists()
    assert FakeService.seen == []


@pytest.mark.parametrize("mode, message", [("slow", "did not answer"), ("garbage", "unreadable")])
def test_timeouts_and_garbage_are_clear_errors_and_change_nothing(service, db, mode, message):
    service.MACHINE_TRANSLATION_PROVIDER = "libretranslate"
    FakeService.mode = mode
    offer = OfferFactory(name="Nähcafé")
    with pytest.raises(MachineTranslationError, match=message):
        record_machine_translate(offer, "uk")
    assert not OfferTranslation.objects.filter(offer=offer).exists()
    assert not MachineTranslationUsage.objects.filter(characters__gt=0).exists()


def test_off_by_default(db, settings):
    settings.MACHINE_TRANSLATION_PROVIDER = ""
    with pytest.raises(MachineTranslationError, match="not configured"):
        record_machine_translate(OfferFactory(), "ar")


def test_command_fills_missing_translations_and_stops_cleanly(service, db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    service.MACHINE_TRANSLATION_PROVIDER = "deepl"
    human = OfferFactory(name="Frauentreff")
    OfferTranslation.objects.create(
        offer=human, language="fa", name="دیدار زنان", source_revision=1
    )
    missing = OfferFactory(name="Jugendtreff")
    call_command("machine_translate", language="fa")
    assert OfferTranslation.objects.get(offer=missing, language="fa").origin == "machine"
    assert OfferTranslation.objects.get(offer=human, language="fa").origin == "human"
    with pytest.raises(CommandError, match="not a content language"):
        call_command("machine_translate", language="xx")
    FakeService.mode = "garbage"
    OfferFactory(name="Seniorentreff")
    with pytest.raises(CommandError, match="stopped after 0"):
        call_command("machine_translate", language="fa")
