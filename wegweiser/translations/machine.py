"""Machine translation, optional and honest: adapters for DeepL's API and a LibreTranslate
server, configured by environment variables and off by default. Output is stored as
"machine-translated, not reviewed", never overwrites a human translation, and a monthly
character budget is counted and enforced."""

import json
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wegweiser.core.audit import audit_log
from wegweiser.translations.models import MachineTranslationUsage


class MachineTranslationError(Exception):
    """The provider is not configured, over budget, unreachable or answered nonsense."""


@dataclass(frozen=True)
class Provider(ABC):
    name: str
    url: str
    api_key: str
    timeout: float

    @abstractmethod
    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """The texts in the target language, in the same order."""


def _post(url: str, body: bytes, headers: dict, timeout: float) -> object:
    if not url.startswith(("https://", "http://")):
        raise MachineTranslationError("the provider URL must be http(s)")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            payload = response.read(5_000_000)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise MachineTranslationError(f"the translation service did not answer: {exc}") from exc
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise MachineTranslationError(
            "the translation service answered something unreadable"
        ) from exc


class DeepL(Provider):
    """DeepL API v2: POST /v2/translate with JSON {text: [...], source_lang, target_lang}."""

    def translate(self, texts, source, target):
        body = json.dumps(
            {"text": texts, "source_lang": source.upper(), "target_lang": target.upper()}
        ).encode()
        data = _post(
            f"{self.url.rstrip('/')}/v2/translate",
            body,
            {
                "Authorization": f"DeepL-Auth-Key {self.api_key}",
                "Content-Type": "application/json",
            },
            self.timeout,
        )
        try:
            result = [item["text"] for item in data["translations"]]
        except (TypeError, KeyError) as exc:
            raise MachineTranslationError("DeepL answered without translations") from exc
        if len(result) != len(texts) or not all(isinstance(t, str) for t in result):
            raise MachineTranslationError("DeepL answered with the wrong number of texts")
        return result


class LibreTranslate(Provider):
    """LibreTranslate: POST /translate with JSON {q: [...], source, target, format}."""

    def translate(self, texts, source, target):
        payload = {"q": texts, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        data = _post(
            f"{self.url.rstrip('/')}/translate",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
            self.timeout,
        )
        try:
            result = data["translatedText"]
        except (TypeError, KeyError) as exc:
            raise MachineTranslationError("LibreTranslate answered without a translation") from exc
        if isinstance(result, str):
            result = [result]
        if len(result) != len(texts) or not all(isinstance(t, str) for t in result):
            raise MachineTranslationError("LibreTranslate answered with the wrong number of texts")
        return result


ADAPTERS = {"deepl": DeepL, "libretranslate": LibreTranslate}


def configured_provider() -> Provider:
    name = settings.MACHINE_TRANSLATION_PROVIDER
    if not name:
        raise MachineTranslationError("machine translation is not configured")
    if name not in ADAPTERS:
        raise MachineTranslationError(f"unknown machine translation provider {name!r}")
    return ADAPTERS[name](
        name=name,
        url=settings.MACHINE_TRANSLATION_URL,
        api_key=settings.MACHINE_TRANSLATION_API_KEY,
        timeout=settings.MACHINE_TRANSLATION_TIMEOUT,
    )


def _reserve_budget(characters: int) -> None:
    month = timezone.localdate().replace(day=1)
    usage, _ = MachineTranslationUsage.objects.select_for_update().get_or_create(month=month)
    if usage.characters + characters > settings.MACHINE_TRANSLATION_MONTHLY_CHARACTERS:
        raise MachineTranslationError(
            f"the monthly budget of {settings.MACHINE_TRANSLATION_MONTHLY_CHARACTERS} "
            f"characters would be exceeded ({usage.characters} used)"
        )
    MachineTranslationUsage.objects.filter(pk=usage.pk).update(
        characters=F("characters") + characters
    )


def record_machine_translate(record, language: str, *, actor=None, provider=None) -> bool:
    """Fill the record's translation into `language` by machine, unless a human translation
    exists. Returns False when nothing was done because a human translation is there."""
    translations = record.translations
    fk = translations.field.name
    existing = translations.filter(language=language).first()
    if existing is not None and existing.origin == "human":
        return False
    fields = [f for f in record.TRANSLATABLE_FIELDS if getattr(record, f)]
    texts = [getattr(record, f) for f in fields]
    if not texts:
        return False
    provider = provider or configured_provider()
    with transaction.atomic():
        _reserve_budget(sum(len(t) for t in texts))
        translated = provider.translate(texts, "de", language)
        values = dict(zip(fields, translated, strict=True))
        translations.model.objects.update_or_create(
            **{fk: record},
            language=language,
            defaults={
                **values,
                "origin": "machine",
                "source_revision": record.revision,
                "translated_by": None,
                "updated_at": timezone.now(),
            },
        )
        audit_log(
            action="translations.machine.translated",
            actor=actor,
            obj=record,
            changes={"language": [None, language], "provider": [None, provider.name]},
        )
    return True
