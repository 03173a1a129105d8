from django.core.management.base import BaseCommand, CommandError

from wegweiser.core.models import Language
from wegweiser.site.queries import public_offers
from wegweiser.translations.machine import MachineTranslationError, record_machine_translate
from wegweiser.translations.state import MISSING, OUTDATED, with_translation_state


class Command(BaseCommand):
    help = (
        "Fill missing (and outdated machine-made) translations of published offers by machine "
        "translation. Human translations are never touched; the monthly budget is enforced."
    )

    def add_arguments(self, parser):
        parser.add_argument("--language", required=True)
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, language, limit, **options):
        if not Language.objects.filter(code=language, is_content_language=True).exists():
            raise CommandError(f"{language!r} is not a content language")
        if language == "de":
            raise CommandError("German is the source language")
        todo = (
            with_translation_state(public_offers(), language)
            .filter(translation_state__in=[MISSING, OUTDATED])
            .order_by("-verified_at")[:limit]
        )
        done = 0
        for offer in todo:
            try:
                done += record_machine_translate(offer, language)
            except MachineTranslationError as exc:
                raise CommandError(f"stopped after {done} offers: {exc}") from exc
        self.stdout.write(f"{done} offers machine-translated into {language}")
