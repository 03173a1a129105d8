"""Import HSDS 3.0 data (JSON or a tabular package) into an office's directory."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wegweiser.accounts.models import Office
from wegweiser.opendata.imports import ImportRefused, import_hsds, parse_term_map


class Command(BaseCommand):
    help = (
        "Check an HSDS file (JSON, ndjson, a tabular zip or folder) and print what importing "
        "it would do; with --apply, import it in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", required=True, help="name of the directory it came from")
        parser.add_argument("--office", help="office short name (default: the only office)")
        parser.add_argument("--apply", action="store_true", help="write it (default: dry run)")
        parser.add_argument(
            "--map-terms", type=Path, help="file of 'their term = our category code' lines"
        )

    def handle(self, *args, path: Path, source: str, office=None, apply=False, **options):
        offices = Office.objects.all()
        if office:
            offices = offices.filter(slug=office)
        if offices.count() != 1:
            raise CommandError("Name the office with --office (its short name).")
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        term_map = None
        if options.get("map_terms"):
            try:
                term_map = parse_term_map(options["map_terms"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from error
        try:
            report = import_hsds(
                path, office=offices.get(), source=source, dry_run=not apply, term_map=term_map
            )
        except ImportRefused as error:
            raise CommandError("Nothing was imported: " + "; ".join(error.problems[:20])) from error
        self.stdout.write(report.as_text())
        if not report.can_apply:
            raise CommandError("Some records were rejected; nothing was imported.")
