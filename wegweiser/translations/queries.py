"""Reads for the translation dashboard."""

from dataclasses import dataclass, field

from django.db.models.functions import Coalesce

from wegweiser.core.models import Language
from wegweiser.directory.models import Category, Offer
from wegweiser.site.queries import public_offers
from wegweiser.translations.state import CURRENT, OUTDATED, with_translation_state


@dataclass
class Coverage:
    languages: list[Language]
    topics: list[Category]
    # (topic id or None for all topics, language code) → (current, total)
    cells: dict[tuple[int | None, str], tuple[int, int]] = field(default_factory=dict)
    oldest_outdated: dict[str, list[Offer]] = field(default_factory=dict)

    def cell(self, topic_id, code) -> tuple[int, int]:
        return self.cells.get((topic_id, code), (0, 0))


def translation_coverage() -> Coverage:
    """Per content language and top-level topic: how many published offers have a current
    translation. One query per language, plus one for the topics."""
    languages = list(Language.objects.filter(is_content_language=True).exclude(code="de"))
    topics = list(Category.objects.filter(parent__isnull=True).order_by("position"))
    links = list(
        Offer.categories.through.objects.filter(offer__in=public_offers())
        .annotate(top=Coalesce("category__parent_id", "category_id"))
        .values_list("offer_id", "top")
    )
    coverage = Coverage(languages=languages, topics=topics)
    for language in languages:
        states = dict(
            with_translation_state(public_offers(), language.code).values_list(
                "pk", "translation_state"
            )
        )
        coverage.cells[(None, language.code)] = (
            sum(1 for s in states.values() if s == CURRENT),
            len(states),
        )
        per_topic: dict[int, set[int]] = {}
        for offer_id, top in links:
            per_topic.setdefault(top, set()).add(offer_id)
        for topic in topics:
            offers = per_topic.get(topic.pk, set())
            current = sum(1 for pk in offers if states.get(pk) == CURRENT)
            coverage.cells[(topic.pk, language.code)] = (current, len(offers))
        coverage.oldest_outdated[language.code] = list(
            with_translation_state(public_offers(), language.code)
            .filter(translation_state=OUTDATED)
            .order_by("updated_at")[:5]
        )
    return coverage
