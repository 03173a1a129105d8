"""One search interface over two backends (SQLite FTS5, PostgreSQL full text), with the same
behaviour on both: diacritic-insensitive, prefix matching, one typo allowed in words of five
letters or more, curated synonyms per language, ranked by relevance then freshness."""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import connection

from wegweiser.search.index import language_slots
from wegweiser.search.models import SearchTerm
from wegweiser.search.normalize import normalize

MAX_QUERY_TERMS = 8
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
    if connection.vendor == "sqlite":  # a range uses the unique index; LIKE 'x%' cannot
        known = SearchTerm.objects.filter(term__gte=term, term__lt=term + "\U0010ffff")
    else:
        known = SearchTerm.objects.filter(term__startswith=term)
    if known.exists():
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


# Ranking: offers whose name holds every query word come first, then the rest; within each,
# the most recently verified first (then the newest entry). Both backends order the same way
# and neither scores every match: on SQLite the packed document id (models.py) carries the
# freshness, the offer and the language, so a search reads nothing but the FTS5 index; a
# visitor's page is the top of that order, deduplicated per offer in Python.
#
# Only placeholders (and the SQL Django compiled for the filter queryset) are formatted into
# these statements; every value is a parameter.
_SQLITE_TOP = (
    "WITH m(id) AS MATERIALIZED (SELECT rowid FROM search_fts "
    "WHERE search_fts MATCH %s AND (rowid & 255) IN ({slots}){within}) "
    "SELECT (id >> 8) & 4294967295, (SELECT count(DISTINCT (id >> 8) & 4294967295) FROM m) "
    "FROM m ORDER BY CASE WHEN id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) "
    "THEN 0 ELSE 1 END, id DESC LIMIT %s"
)
_POSTGRES_TOP = (
    "WITH m AS MATERIALIZED (SELECT id, offer_id, fresh, name_tsv @@ q AS in_name "
    "FROM search_searchdocument, to_tsquery('simple', %s) q "
    "WHERE tsv @@ q AND language IN ({languages}){facets}{within}) "
    "SELECT offer_id, (SELECT count(DISTINCT offer_id) FROM m) FROM m "
    "ORDER BY in_name DESC, fresh DESC, offer_id DESC, id DESC LIMIT %s"
)


class Results:
    """The offers matching a query, in ranked order: `len()` counts them, a slice gives that
    part of the order (what Django's Paginator needs). One statement answers both the count
    and the first `expected` offers; a later slice beyond those runs it again."""

    def __init__(
        self,
        parsed: ParsedQuery,
        languages: list[str],
        *,
        facets: list[list[str]] | None = None,
        within=None,
        expected: int = 20,
    ):
        self.parsed = parsed
        self.sqlite = connection.vendor == "sqlite"
        self.languages = list(dict.fromkeys(languages))
        self.expected = expected
        self._count: int | None = None
        self._top: list[int] = []
        self._fetched = 0
        self._params: list = []
        self._placeholders: dict[str, str] = {}
        if parsed.empty:
            return
        within_sql, within_params = "", []
        if within is not None:
            sql, params = within.order_by().values("pk").query.sql_with_params()
            column = "((rowid >> 8) & 4294967295)" if self.sqlite else "offer_id"
            within_sql, within_params = f" AND {column} IN ({sql})", list(params)
        if self.sqlite:
            slots = list(language_slots(self.languages).values())
            if not slots:
                self.parsed = ParsedQuery()  # nothing was ever indexed in these languages
                return
            expression = _fts5_expression(parsed)
            match = (
                "{text} : ("
                + expression
                + ")"
                + "".join(" AND {facets} : (" + " OR ".join(group) + ")" for group in facets or [])
            )
            self._placeholders = {"slots": ", ".join(["%s"] * len(slots)), "within": within_sql}
            self._params = [match, *slots, *within_params, "{name} : (" + expression + ")"]
        else:
            facets_sql, facets_params = "", []
            if facets:
                facets_sql = " AND facets_tsv @@ to_tsquery('simple', %s)"
                facets_params = [" & ".join("(" + " | ".join(g) + ")" for g in facets)]
            self._placeholders = {
                "languages": ", ".join(["%s"] * len(self.languages)),
                "facets": facets_sql,
                "within": within_sql,
            }
            self._params = [
                _tsquery_expression(parsed),
                *self.languages,
                *facets_params,
                *within_params,
            ]

    def _fetch(self, n: int) -> None:
        """Count the matches and keep the first n offers (an offer matching in several
        languages counts once; it has at most one document per language)."""
        if self.parsed.empty:
            self._count, self._top, self._fetched = 0, [], n
            return
        template = _SQLITE_TOP if self.sqlite else _POSTGRES_TOP
        with connection.cursor() as cursor:
            cursor.execute(
                template.format(**self._placeholders),
                [*self._params, max(n, 1) * len(self.languages)],
            )
            rows = cursor.fetchall()
        self._count = rows[0][1] if rows else 0
        self._top = list(dict.fromkeys(row[0] for row in rows))[:n]
        self._fetched = n

    def count(self) -> int:
        if self._count is None:
            self._fetch(self.expected)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def top(self, n: int) -> list[int]:
        if n > self._fetched:
            self._fetch(n)
        return self._top[:n]

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("search results are read in slices")
        stop = self.count() if key.stop is None else key.stop
        return self.top(stop)[key.start or 0 :]


def ranked_offer_ids(
    parsed: ParsedQuery, languages: list[str], *, facets=None, within=None, limit: int = 5000
) -> list[int]:
    """The first `limit` offer ids, most relevant first; `facets` (filter words, facets.py)
    and `within` (a queryset of offers) restrict the result inside the same statement."""
    return Results(parsed, languages, facets=facets, within=within, expected=limit).top(limit)
