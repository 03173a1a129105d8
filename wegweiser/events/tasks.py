"""Background work of the calendar: subscribed partner feeds fetched every day."""

import logging

from django_tasks import task

from wegweiser.events import importer
from wegweiser.events.models import EventFeed

logger = logging.getLogger(__name__)


@task()
def refresh_subscribed_feeds() -> dict:
    """Fetch every subscribed feed; one refused feed does not stop the others."""
    result = {"imported": 0, "refused": 0}
    for feed in EventFeed.objects.filter(subscribed=True).exclude(url=""):
        try:
            importer.refresh_feed(feed)
            result["imported"] += 1
        except importer.ImportRefused as refused:
            logger.warning("feed %s refused: %s", feed.pk, refused)
            result["refused"] += 1
    return result
