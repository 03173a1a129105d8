from django.conf import settings
from django.core.management.base import BaseCommand

from wegweiser.events.registrations import purge_old


class Command(BaseCommand):
    help = (
        "Delete event registrations whose date lies more than "
        "EVENT_REGISTRATION_RETENTION_DAYS back (run it daily)."
    )

    def handle(self, *args, **options):
        deleted = purge_old()
        self.stdout.write(
            f"{deleted} registrations older than "
            f"{settings.EVENT_REGISTRATION_RETENTION_DAYS} days deleted"
        )
