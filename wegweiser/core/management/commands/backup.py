import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wegweiser.core.backup import BackupError, backup_create, table_checksums


class Command(BaseCommand):
    help = "Back up the database and uploaded files into one .tar.gz (safe while running)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.DATA_DIR / "backups"))
        parser.add_argument(
            "--checksums",
            action="store_true",
            help="Only print row counts and checksums of every table as JSON.",
        )

    def handle(self, *args, output, checksums, **options):
        if checksums:
            self.stdout.write(json.dumps(table_checksums(), sort_keys=True))
            return
        try:
            archive = backup_create(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {archive}")
