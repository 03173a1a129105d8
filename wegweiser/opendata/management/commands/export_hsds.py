"""Write the open-data exports (HSDS JSON, HSDS tabular package, GeoJSON, offers CSV)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from wegweiser.opendata import exports


def human_size(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


class Command(BaseCommand):
    help = "Write the public directory's open-data exports into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="folder to write to")
        parser.add_argument(
            "--only",
            nargs="+",
            choices=sorted(exports.EXPORTS),
            metavar="NAME",
            help="write only these: " + ", ".join(sorted(exports.EXPORTS)),
        )

    def handle(self, *args, output: Path, only=None, **options):
        for item in exports.export_all(output, only):
            self.stdout.write(
                f"{item.name:<18} {human_size(item.size):>9} {item.seconds:7.2f} s  {item.path}"
            )
