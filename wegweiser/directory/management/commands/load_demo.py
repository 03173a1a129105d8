from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wegweiser.accounts.models import Office
from wegweiser.directory.demo.loader import (
    DEMO_OFFICE_SLUG,
    DEMO_PASSWORD,
    DEMO_USERS,
    load_demo,
)
from wegweiser.guide.demo import render_demo_brochures


class Command(BaseCommand):
    help = "Load the fictional demo district (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo accounts even with WEGWEISER_ENV=production.",
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print log-ins.")
        parser.add_argument(
            "--no-brochures", action="store_true", help="Do not typeset the demo brochures."
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError("Refusing to create demo accounts in production.")
        created = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(f"Demo district loaded (new: {summary}).")
        if not options["no_brochures"]:
            office = Office.objects.get(slug=DEMO_OFFICE_SLUG)
            typeset = render_demo_brochures(office)
            self.stdout.write(f"Demo brochures ready ({typeset} typeset now).")
        if not options["quiet_logins"]:
            self.stdout.write("Demo log-ins at http://127.0.0.1:8000/accounts/login/ :")
            for username, _name, role, _languages, _orgs in DEMO_USERS:
                self.stdout.write(
                    f"  {username:<14} {str(role.label):<18} password: {DEMO_PASSWORD}"
                )
            self.stdout.write(
                "Coordinator and staff accounts set up an authenticator app (TOTP) at their "
                "first log-in; the others may."
            )
