"""Prepare a benchmark world inside the configured database: the synthetic district and a
logged-in viewer session. Prints the world as JSON. Run with the harness's environment."""

import json
import os
import random
import time

import django


def main(offers: int, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wegweiser.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from wegweiser.accounts.middleware import AUTH_AT, OTP_VERIFIED
    from wegweiser.accounts.models import Membership, Office, Role, User
    from wegweiser.directory.management.commands.generate_district import generate
    from wegweiser.directory.models import Offer, OfferLocation
    from wegweiser.site.queries import public_offers, public_organisations

    call_command("migrate", verbosity=0)
    if not Office.objects.filter(slug="synthetic").exists():
        generate(random.Random(seed), offers=offers, office_slug="synthetic")  # noqa: S311  # nosec B311
    office = Office.objects.get(slug="synthetic")
    from wegweiser.events.models import Event
    from wegweiser.events.synthetic import generate_events

    if not Event.objects.filter(office=office).exists():
        # A quarter as many events as offers: 5 000 at 20 000 offers.
        generate_events(random.Random(seed), office, max(1, offers // 4))  # noqa: S311  # nosec B311
    user, _ = User.objects.get_or_create(username="bench-viewer")
    Membership.objects.get_or_create(user=user, office=office, defaults={"role": Role.VIEWER})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[AUTH_AT] = time.time()
    session[OTP_VERIFIED] = True
    session.create()
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    ids = list(
        Offer.objects.filter(organisation__office=office).values_list("public_id", flat=True)[:5000]
    )
    offer_ids = [str(i) for i in rng.sample(ids, min(50, len(ids)))]
    # The open-data API (`api` scenario) lists public records only.
    services = public_offers().filter(organisation__office=office)
    service_ids = list(services.values_list("public_id", flat=True)[:5000])
    print(
        json.dumps(
            {
                "session": session.session_key,
                "office": office.slug,
                "offer_ids": offer_ids,
                "offers": Offer.objects.filter(organisation__office=office).count(),
                "events": Event.objects.filter(office=office).count(),
                "services": public_offers().count(),
                "organizations": public_organisations().count(),
                "service_at_locations": OfferLocation.objects.filter(
                    offer__in=public_offers()
                ).count(),
                "service_ids": [str(i) for i in rng.sample(service_ids, len(service_ids))],
            }
        )
    )


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]), int(sys.argv[2]))
