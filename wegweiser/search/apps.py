from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _rebuild_emptied_index(sender, using="default", **kwargs):
    """A migration that changes the index's layout empties it; rebuild it then, so no
    deployment serves an empty search after upgrading."""
    from wegweiser.directory.models import Offer
    from wegweiser.search.index import rebuild_index
    from wegweiser.search.models import SearchDocument

    if using != "default" or SearchDocument.objects.exists() or not Offer.objects.exists():
        return
    rebuild_index()


class SearchConfig(AppConfig):
    name = "wegweiser.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        post_migrate.connect(_rebuild_emptied_index, sender=self)
