from django.core.management.base import BaseCommand

from wegweiser.partners.tasks import send_review_reminders


class Command(BaseCommand):
    help = (
        "Queue the review reminders to partners (run it daily from cron; each entry is "
        "reminded at most once per review interval)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="send now instead of queueing")

    def handle(self, *args, now=False, **options):
        if now:
            result = send_review_reminders.call()
            self.stdout.write(f"{result['mails']} mails about {result['entries']} entries")
        else:
            send_review_reminders.enqueue()
            self.stdout.write("review reminders queued")
