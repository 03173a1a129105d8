"""Default content of the public guide: glossary, names of categories and target groups in
every language, and first versions of the accessibility statement, imprint and privacy
notice (staff edit them). Idempotent: existing rows are left as staff edited them."""

import json
from pathlib import Path

from django.db import transaction

DATA = Path(__file__).resolve().parent / "data"


def _pages() -> dict:
    return json.loads((DATA / "pages.json").read_text(encoding="utf-8"))


def _reference() -> dict:
    path = DATA / "reference_translations.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


@transaction.atomic
def site_content_load() -> None:
    from wegweiser.directory.models import Category, CategoryTranslation, TargetGroup
    from wegweiser.events.demo_loader import load_occasions
    from wegweiser.site.models import GlossaryTerm, GlossaryTermTranslation, Page, PageTranslation

    load_occasions()
    reference = _reference()
    for code, names in reference.get("categories", {}).items():
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        for language, name in names.items():
            if language != "de":
                CategoryTranslation.objects.get_or_create(
                    category=category,
                    language=language,
                    defaults={"name": name, "source_revision": category.revision},
                )
    for code, names in reference.get("target_groups", {}).items():
        TargetGroup.objects.filter(code=code, names={}).update(names=names)
    for entry in reference.get("glossary", []):
        term, created = GlossaryTerm.objects.get_or_create(
            slug=entry["slug"],
            defaults={
                "term": entry["term"]["de"],
                "explanation": entry["explanation"]["de"],
                "variants": entry.get("variants", []),
            },
        )
        if created:
            GlossaryTermTranslation.objects.bulk_create(
                GlossaryTermTranslation(
                    glossary_term=term,
                    language=language,
                    term=entry["term"][language],
                    explanation=entry["explanation"].get(language, ""),
                    source_revision=term.revision,
                )
                for language in entry["term"]
                if language != "de"
            )
    for slug, versions in _pages().items():
        page, created = Page.objects.get_or_create(slug=slug, defaults=versions["de"])
        if created:
            for language, text in versions.items():
                if language != "de":
                    PageTranslation.objects.create(
                        page=page, language=language, source_revision=page.revision, **text
                    )
