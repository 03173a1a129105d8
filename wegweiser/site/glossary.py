"""Glossary words in offer texts: marked in place and explained right below the text in an
accessible disclosure (no hover-only tooltips)."""

import re
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from wegweiser.site.localize import localize
from wegweiser.site.models import GlossaryTerm, GlossaryTermTranslation


@dataclass(frozen=True)
class Explained:
    slug: str
    term: str
    explanation: str
    fallback: bool


def glossary_for(language: str) -> list[tuple[GlossaryTerm, list[str]]]:
    terms = GlossaryTerm.objects.prefetch_related(
        Prefetch(
            "translations",
            queryset=GlossaryTermTranslation.objects.filter(language=language, reviewed=True),
            to_attr="translations_current",
        )
    )
    result = []
    for term in terms:
        words = term.all_variants()
        for row in term.translations_current:
            if row.term:
                words.append(row.term)
        result.append((term, sorted(set(words), key=len, reverse=True)))
    return result


def annotate(text: str, glossary, language: str) -> tuple[SafeString, list[Explained]]:
    """Escape the text, link the first occurrence of each glossary word to its explanation."""
    html = escape(text)
    spans: list[tuple[int, int, GlossaryTerm]] = []
    for term, words in glossary:
        pattern = re.compile(
            r"(?<![\w])(" + "|".join(re.escape(escape(w)) for w in words if w) + r")(?![\w])",
            re.IGNORECASE,
        )
        for match in pattern.finditer(html):
            if all(match.end() <= s or match.start() >= e for s, e, _ in spans):
                spans.append((match.start(), match.end(), term))
                break
    found: list[Explained] = []
    pieces, position = [], 0
    for start, end, term in sorted(spans, key=lambda span: span[0]):
        pieces += [
            html[position:start],
            f'<a class="term" href="#term-{term.slug}">{html[start:end]}</a>',
        ]
        position = end
        name = localize(term, "term", language)
        explanation = localize(term, "explanation", language)
        found.append(Explained(term.slug, name.value, explanation.value, explanation.fallback))
    pieces.append(html[position:])
    # The text was escaped above; only our own links were added.
    return mark_safe(linebreaks("".join(pieces), autoescape=False)), found  # noqa: S308  # nosec B308 B703
