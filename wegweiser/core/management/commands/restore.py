from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from wegweiser.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into the configured database and media folder."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--yes", action="store_true", help="Overwrite a database that already holds data."
        )

    def handle(self, *args, archive, yes, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{archive} does not exist")
        with connection.cursor() as cursor:
            has_data = "directory_organisation" in connection.introspection.table_names(cursor)
        if has_data and not yes:
            raise CommandError("The database already holds data; add --yes to overwrite it.")
        try:
            manifest = backup_restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"restored {len(manifest['tables'])} tables ({rows} rows) and "
            f"{len(manifest['media'])} files; checksums match the backup of "
            f"{manifest['created_at']}"
        )
