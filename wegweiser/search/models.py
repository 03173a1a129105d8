"""The search index: one normalised document per offer and language, and the vocabulary
used for typo tolerance. SQLite searches it with FTS5, PostgreSQL with a tsvector GIN index
(both created in the migration)."""

from django.db import models


class SearchDocument(models.Model):
    """The searchable text of one offer in one language (German source or a translation)."""

    offer = models.ForeignKey(
        "directory.Offer", on_delete=models.CASCADE, related_name="search_documents"
    )
    language = models.CharField(max_length=12)
    text = models.TextField()

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
