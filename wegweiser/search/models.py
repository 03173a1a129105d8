"""The search index: one normalised document per offer and language, and the vocabulary
used for typo tolerance. SQLite searches it with FTS5, PostgreSQL with a tsvector GIN index
(both created in the migrations).

A document's id is not a counter: it packs the offer's freshness (days since 2000 on which it
was last verified), the offer's id and its language's slot, `fresh << 40 | offer << 8 | slot`.
Ordering matches by id is ordering them by freshness, and the offer and language are read
from the id itself, so a search touches no other table (see query.py)."""

from django.db import models


class SearchDocument(models.Model):
    """The searchable text of one offer in one language (German source or a translation)."""

    offer = models.ForeignKey(
        "directory.Offer", on_delete=models.CASCADE, related_name="search_documents"
    )
    language = models.CharField(max_length=12)
    name = models.TextField(default="", blank=True)  # the offer's name: matches here rank first
    text = models.TextField()  # everything searchable, the name included
    facets = models.TextField(default="", blank=True)  # filter words (facets.py)
    fresh = models.PositiveIntegerField(default=0)  # days since 2000-01-01 of the last check

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "language"], name="one_document_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}/{self.language}"


class SearchTerm(models.Model):
    """A word that occurs in some document; typo-tolerant search looks for near neighbours."""

    term = models.CharField(max_length=80, unique=True)
    length = models.PositiveSmallIntegerField(db_index=True)

    def __str__(self) -> str:
        return self.term


class SearchLanguage(models.Model):
    """A language's slot in document ids (its id, below 256), fixed once given, so changing
    the configured languages never reinterprets the index."""

    code = models.CharField(max_length=12, unique=True)

    def __str__(self) -> str:
        return self.code
