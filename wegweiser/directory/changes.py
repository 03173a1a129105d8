"""What every directory write does after changing data: reindex the offers it touched and
invalidate cached public pages, in the same transaction."""

from collections.abc import Iterable

from wegweiser.core.content import content_changed
from wegweiser.directory.models import Contact, Location, Offer, OfferLocation, Organisation
from wegweiser.search.index import index_offers


def affected_offer_ids(entries: Iterable) -> set[int]:
    ids: set[int] = set()
    for entry in entries:
        if isinstance(entry, Offer):
            ids.add(entry.pk)
        elif isinstance(entry, Organisation):
            ids.update(Offer.objects.filter(organisation=entry).values_list("pk", flat=True))
        elif isinstance(entry, Location):
            ids.update(
                OfferLocation.objects.filter(location=entry).values_list("offer_id", flat=True)
            )
        elif isinstance(entry, Contact):
            ids.update(entry.offers.values_list("pk", flat=True))
    return ids


def directory_changed(*entries) -> None:
    index_offers(affected_offer_ids(entries))
    content_changed()
