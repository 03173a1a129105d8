from django.core.management.base import BaseCommand

from wegweiser.events.tasks import refresh_subscribed_feeds


class Command(BaseCommand):
    help = "Queue the daily fetch of subscribed partner calendar feeds (run it from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="fetch now instead of queueing")

    def handle(self, *args, now=False, **options):
        if now:
            result = refresh_subscribed_feeds.call()
            self.stdout.write(f"{result['imported']} feeds imported, {result['refused']} refused")
        else:
            refresh_subscribed_feeds.enqueue()
            self.stdout.write("feed fetch queued")
