"""Bookkeeping of the translation workflow."""

from django.db import models


class MachineTranslationUsage(models.Model):
    """Characters sent to the machine translation provider in one month (the budget)."""

    month = models.DateField(unique=True)
    characters = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.characters}"
