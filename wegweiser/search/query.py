"""One search interface over two backends (SQLite FTS5, PostgreSQL full text), with the same
behaviour on both: diacritic-insensitive, prefix matching, one typo allowed in words of five
letters or more, curated synonyms per language, ranked by relevance then freshness."""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import connection

from wegweiser.search.models import SearchTerm
from wegweiser.search.normalize import normalize

MAX_QUERY_TERMS = 8
MAX_MATCHES = 5000
TYPO_MIN_LENGTH = 5
SYNONYMS_FILE = (
    Path(__file__).resolve().parent.parent / "site" / "data" / "reference_translations.json"
)


@dataclass
class ParsedQuery:
    """Each term with its alternatives (itself as a prefix, typo corrections, synonyms)."""

    terms: list[str] = field(default_factory=list)
    alternatives: list[list[tuple[str, ...]]] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.terms


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[list[tuple[str, ...]]]]:
    try:
        raw = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8")).get("synonyms", {})
    except (OSError, ValueError):
        return {}
    return {
        language: [[tuple(normalize(w).split()) for w in group] for group in groups]
        for language, groups in raw.items()
    }


def _osa_distance_at_most_one(a: str, b: str) -> bool:
    """True if a and b differ by at most one insertion, deletion, substitution or swap of
    neighbouring letters."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _typo_corrections(term: str) -> list[str]:
    if len(term) < TYPO_MIN_LENGTH:
        return []
    if SearchTerm.objects.filter(term__startswith=term).exists():
        return []  # the word (or a longer one starting with it) is in the index
    candidates = SearchTerm.objects.filter(
        length__gte=len(term) - 1, length__lte=len(term) + 1, term__startswith=term[0]
    ).values_list("term", flat=True)
    return [c for c in candidates if _osa_distance_at_most_one(term, c)][:5]


def parse(query: str, language: str) -> ParsedQuery:
    parsed = ParsedQuery()
    words = normalize(query).split()[:MAX_QUERY_TERMS]
    groups = _synonyms().get(language, []) + (_synonyms().get("de", []) if language != "de" else [])
    for word in words:
        alternatives: list[tuple[str, ...]] = [(word,)]
        corrections = _typo_corrections(word)
        if corrections:
            parsed.corrections[word] = corrections[0]
        alternatives += [(c,) for c in corrections]
        for group in groups:
            if any(
                member == (word,)
                or (len(member) == 1 and word.startswith(member[0]) and len(word) >= len(member[0]))
                for member in group
            ):
                alternatives += [m for m in group if m not in alternatives]
        parsed.terms.append(word)
        parsed.alternatives.append(alternatives)
    return parsed


def _fts5_expression(parsed: ParsedQuery) -> str:
    clauses = []
    for alternatives in parsed.alternatives:
        options = []
        for phrase in alternatives:
            quoted = " ".join(f'"{t}"' for t in phrase)
            options.append(f"{quoted}*" if len(phrase) == 1 else f"NEAR({quoted}, 2)")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses)


def _tsquery_expression(parsed: ParsedQuery) -> str:
    clauses = []
    for alternatives in parsed.alternatives:
        options = []
        for phrase in alternatives:
            if len(phrase) == 1:
                options.append(f"{phrase[0]}:*")
            else:
                options.append("(" + " <-> ".join(phrase) + ")")
        clauses.append("(" + " | ".join(options) + ")")
    return " & ".join(clauses)


# Only placeholders (and the SQL Django compiled for the filter queryset) are formatted into
# these statements; every value is a parameter.
_SQLITE_SQL = (
    "SELECT m.offer_id FROM ("
    "SELECT d.offer_id AS offer_id, MIN(search_fts.rank) AS best FROM search_fts "
    "JOIN search_searchdocument d ON d.id = search_fts.rowid "
    "WHERE search_fts MATCH %s AND d.language IN ({languages}){within} "
    "GROUP BY d.offer_id) m JOIN directory_offer o ON o.id = m.offer_id "
    "ORDER BY m.best, o.verified_at DESC, o.id LIMIT %s"
)
_POSTGRES_SQL = (
    "SELECT m.offer_id FROM ("
    "SELECT offer_id, MAX(ts_rank(tsv, q)) AS best "
    "FROM search_searchdocument, to_tsquery('simple', %s) q "
    "WHERE tsv @@ q AND language IN ({languages}){within} "
    "GROUP BY offer_id) m JOIN directory_offer o ON o.id = m.offer_id "
    "ORDER BY m.best DESC, o.verified_at DESC NULLS LAST, o.id LIMIT %s"
)


def ranked_offer_ids(parsed: ParsedQuery, languages: list[str], within=None) -> list[int]:
    """Offer ids, most relevant first, then the freshest; `within` (a queryset of offers)
    restricts the result inside the same statement."""
    if parsed.empty:
        return []
    placeholders = ", ".join(["%s"] * len(languages))
    within_sql, within_params = "", []
    if within is not None:
        sql, params = within.values("pk").query.sql_with_params()
        column = "d.offer_id" if connection.vendor == "sqlite" else "offer_id"
        within_sql, within_params = f" AND {column} IN ({sql})", list(params)
    template = _SQLITE_SQL if connection.vendor == "sqlite" else _POSTGRES_SQL
    expression = (
        _fts5_expression(parsed) if connection.vendor == "sqlite" else _tsquery_expression(parsed)
    )
    params = [expression, *languages, *within_params, MAX_MATCHES]
    with connection.cursor() as cursor:
        cursor.execute(template.format(languages=placeholders, within=within_sql), params)
        return [row[0] for row in cursor.fetchall()]
