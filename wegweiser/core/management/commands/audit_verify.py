from django.core.management.base import BaseCommand, CommandError

from wegweiser.core.audit import audit_verify
from wegweiser.core.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exits with an error if entries were altered."

    def handle(self, *args, **options):
        problems = audit_verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"audit log tampered: {len(problems)} problem(s)")
        self.stdout.write(f"audit log intact: {AuditEntry.objects.count()} entries")
