from django.core.management.base import BaseCommand, CommandError

from wegweiser.opendata import openapi


class Command(BaseCommand):
    help = "Write the HSDS API's OpenAPI document to wegweiser/opendata/openapi.json."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with an error if the committed file is not current.",
        )

    def handle(self, *args, **options):
        text = openapi.dumps(openapi.build())
        path = openapi.COMMITTED
        if options["check"]:
            committed = path.read_text(encoding="utf-8") if path.exists() else ""
            if committed != text:
                raise CommandError(
                    f"{path.name} is out of date: run `manage.py hsds_openapi` and commit it"
                )
            self.stdout.write(f"{path.name} is current")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
