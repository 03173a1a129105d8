"""The role × URL table: every URL pattern, requested as anonymous and as every role.

A URL pattern missing from TABLE fails `test_every_url_pattern_is_in_the_table`, so a new
view cannot ship without deciding who may see it."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory
from tests.helpers import login
from wegweiser.accounts.models import Role
from wegweiser.opendata import hsds

ACTORS = ["anonymous", *Role.values, "no_office"]

# Short names for expectations.
OK, LOGIN, REDIRECT, FORBIDDEN, NOT_FOUND = 200, "login", "redirect", 403, 404

EVERYONE_OK = dict.fromkeys(ACTORS, OK)
MEMBERS_OK = {"anonymous": LOGIN, **dict.fromkeys(Role.values, OK), "no_office": NOT_FOUND}
# A record of the office that the partner editor is not bound to.
READ_OFFICE_RECORD = {**MEMBERS_OK, Role.PARTNER_EDITOR: NOT_FOUND}
CHANGE_OFFICE_RECORD = {
    "anonymous": LOGIN,
    Role.COORDINATOR: OK,
    Role.STAFF: OK,
    Role.PARTNER_EDITOR: NOT_FOUND,
    Role.TRANSLATOR: FORBIDDEN,
    Role.VIEWER: FORBIDDEN,
    "no_office": NOT_FOUND,
}
POST_CHANGE_OFFICE_RECORD = {
    k: (REDIRECT if v == OK else v) for k, v in CHANGE_OFFICE_RECORD.items()
}
CREATE_IN_OFFICE = {**CHANGE_OFFICE_RECORD, Role.PARTNER_EDITOR: FORBIDDEN}

LOGGED_IN_OK = {**dict.fromkeys(ACTORS, OK), "anonymous": LOGIN}
LOGGED_IN_REDIRECT = {**dict.fromkeys(ACTORS, REDIRECT), "anonymous": LOGIN}
COORDINATOR_ONLY = {
    **dict.fromkeys(ACTORS, FORBIDDEN),
    "anonymous": LOGIN,
    Role.COORDINATOR: OK,
    "no_office": NOT_FOUND,
}
COORDINATOR_POST = {**COORDINATOR_ONLY, Role.COORDINATOR: REDIRECT}


def _first_date(event):
    from wegweiser.events.recurrence import BERLIN

    return event.starts_at.astimezone(BERLIN).strftime("%Y%m%dT%H%M")


def _viewer(w):
    return {"pk": w.members[Role.VIEWER].pk}


def _edition(w, *, published=False):
    from wegweiser.guide import snapshot
    from wegweiser.guide.models import Edition

    edition = Edition.objects.create(
        office=w.office, number=Edition.objects.count() + 1, title="Testauflage", languages=[]
    )
    if published:
        edition.snapshot = snapshot.build(edition)
        edition.status = Edition.Status.PUBLISHED
        edition.save()
    return edition


def _rendering(w, *, status="done"):
    from wegweiser.guide import services
    from wegweiser.guide.models import Rendering

    rendering = Rendering.objects.create(
        edition=_edition(w, published=True),
        language="de",
        paper="a5",
        status=status,
        input_hash="0" * 64,
        size=16,
    )
    services.file_path(rendering.input_hash).write_bytes(b"%PDF-1.7\n%%EOF\n")
    return rendering


def _public_file(w):
    rendering = _rendering(w)
    return {"number": rendering.edition.number, "language": "de", "paper": "a5"}


# Editions: members read them; coordinators and staff change them (partner editors and the
# others are refused with 403, as for every office-wide creation).
EDITION_POST = {**CREATE_IN_OFFICE, Role.COORDINATOR: REDIRECT, Role.STAFF: REDIRECT}


def _invitation(w):
    from wegweiser.partners import services

    invitation = services.invitation_create(
        office=w.office,
        organisation=w.partner_organisation,
        email="x@partner.example",
        name="",
        language="de",
        actor=None,
    )
    return {"pk": invitation.pk}


def _change_request(w):
    from wegweiser.partners.models import ChangeRequest

    change_request = ChangeRequest.objects.create(
        office=w.office,
        organisation=w.partner_organisation,
        kind="organisation.update",
        target_id=w.partner_organisation.pk,
        target_repr=w.partner_organisation.name,
        base_version=w.partner_organisation.version,
        changes={"phone": ["", "0341 123"]},
        author=w.members[Role.PARTNER_EDITOR].user,
    )
    return {"public_id": change_request.public_id}


# Partners read their own organisations' requests; translators and viewers none.
REQUESTS_READ = {**MEMBERS_OK, Role.TRANSLATOR: FORBIDDEN, Role.VIEWER: FORBIDDEN}
# Only the author withdraws.
REQUEST_WITHDRAW = {**REQUESTS_READ, Role.PARTNER_EDITOR: REDIRECT}
REQUEST_WITHDRAW.update({Role.COORDINATOR: FORBIDDEN, Role.STAFF: FORBIDDEN})
# Rejecting without a message is refused with the form.
REQUEST_REJECT_EMPTY = {**EDITION_POST, Role.COORDINATOR: 400, Role.STAFF: 400}

# url name → (method, kwargs factory from the world, expectations)
TABLE = {
    "site:suggest": ("get", lambda w: {}, EVERYONE_OK),
    "partners_staff:list": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "partners_staff:resend": ("post", _invitation, EDITION_POST),
    "partners_staff:revoke": ("post", _invitation, EDITION_POST),
    "partners_staff:trust": (
        "post",
        lambda w: {"public_id": w.partner_organisation.public_id},
        EDITION_POST,
    ),
    "partners_staff:requests": ("get", lambda w: {}, REQUESTS_READ),
    "partners:review": ("get", lambda w: {"token": "unknown"}, dict.fromkeys(ACTORS, NOT_FOUND)),
    "directory:review": ("get", lambda w: {}, MEMBERS_OK),
    "partners_staff:request": ("get", _change_request, REQUESTS_READ),
    "partners_staff:request_accept": ("post", _change_request, EDITION_POST),
    "partners_staff:request_edit": ("get", _change_request, CREATE_IN_OFFICE),
    "partners_staff:request_reject": ("post", _change_request, REQUEST_REJECT_EMPTY),
    "partners_staff:request_withdraw": ("post", _change_request, REQUEST_WITHDRAW),
    # An unknown token: the same "does not work" page for everybody.
    "partners:accept": ("get", lambda w: {"token": "unknown"}, dict.fromkeys(ACTORS, NOT_FOUND)),
    "guide:editions": ("get", lambda w: {}, EVERYONE_OK),
    "guide:file": ("get", _public_file, EVERYONE_OK),
    "guide_staff:list": ("get", lambda w: {}, MEMBERS_OK),
    "guide_staff:create": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "guide_staff:detail": ("get", lambda w: {"pk": _edition(w).pk}, MEMBERS_OK),
    "guide_staff:edit": ("get", lambda w: {"pk": _edition(w).pk}, CREATE_IN_OFFICE),
    "guide_staff:changes": (
        "get",
        lambda w: {"pk": _edition(w, published=True).pk},
        MEMBERS_OK,
    ),
    "guide_staff:preview": ("post", lambda w: {"pk": _edition(w).pk}, EDITION_POST),
    "guide_staff:publish": ("post", lambda w: {"pk": _edition(w).pk}, EDITION_POST),
    "guide_staff:delete": ("post", lambda w: {"pk": _edition(w).pk}, EDITION_POST),
    "guide_staff:print": ("post", lambda w: {"pk": _edition(w, published=True).pk}, EDITION_POST),
    "guide_staff:retry": (
        "post",
        lambda w: {"pk": _rendering(w, status="failed").pk},
        EDITION_POST,
    ),
    "guide_staff:file": ("get", lambda w: {"pk": _rendering(w).pk}, MEMBERS_OK),
    "accounts:verify": ("get", lambda w: {}, LOGGED_IN_OK),
    "accounts:second_factor_setup": ("get", lambda w: {}, LOGGED_IN_OK),
    "accounts:reauth": ("get", lambda w: {}, LOGGED_IN_OK),
    "accounts:account": ("get", lambda w: {}, LOGGED_IN_OK),
    # Changing password or recovery codes first asks for the password again.
    "accounts:recovery_codes": ("post", lambda w: {}, LOGGED_IN_REDIRECT),
    "accounts:password_change": ("get", lambda w: {}, LOGGED_IN_REDIRECT),
    "accounts:password_reset": ("get", lambda w: {}, EVERYONE_OK),
    "accounts:password_reset_done": ("get", lambda w: {}, EVERYONE_OK),
    "accounts:password_reset_confirm": (
        "get",
        lambda w: {"uidb64": "MQ", "token": "bad-token"},
        EVERYONE_OK,
    ),
    "accounts:password_reset_complete": ("get", lambda w: {}, EVERYONE_OK),
    "accounts:member_list": ("get", lambda w: {}, COORDINATOR_ONLY),
    "accounts:member_unlock": ("post", _viewer, COORDINATOR_POST),
    "accounts:member_deactivate": ("post", _viewer, COORDINATOR_POST),
    "accounts:member_role": ("post", _viewer, COORDINATOR_POST),
    "core:audit_list": ("get", lambda w: {}, COORDINATOR_ONLY),
    "site_staff:page_list": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "translations:coverage": (
        "get",
        lambda w: {},
        {
            **CREATE_IN_OFFICE,
            Role.TRANSLATOR: OK,
        },
    ),
    # The test translator is bound to Arabic.
    "translations:queue": (
        "get",
        lambda w: {"language": "ar"},
        {**CREATE_IN_OFFICE, Role.TRANSLATOR: OK},
    ),
    "translations:export_xliff": (
        "get",
        lambda w: {"language": "ar"},
        {**CREATE_IN_OFFICE, Role.TRANSLATOR: OK},
    ),
    "translations:export_po": (
        "get",
        lambda w: {"language": "ar"},
        {**CREATE_IN_OFFICE, Role.TRANSLATOR: OK},
    ),
    "translations:import": (
        "get",
        lambda w: {"language": "ar"},
        {**CREATE_IN_OFFICE, Role.TRANSLATOR: OK},
    ),
    "translations:edit": (
        "get",
        lambda w: {"kind": "offers", "public_id": w.offer.public_id, "language": "ar"},
        {**CHANGE_OFFICE_RECORD, Role.TRANSLATOR: OK, Role.PARTNER_EDITOR: FORBIDDEN},
    ),
    "site_staff:page_edit": ("get", lambda w: {"slug": "imprint"}, CREATE_IN_OFFICE),
    "site_staff:feedback_list": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "site_staff:feedback_handled": (
        "post",
        lambda w: {"pk": 1},
        {
            **CREATE_IN_OFFICE,
            Role.COORDINATOR: REDIRECT,
            Role.STAFF: REDIRECT,
        },
    ),
    "core:audit_export": ("get", lambda w: {}, COORDINATOR_ONLY),
    "media": ("get", lambda w: {"path": "logos/missing.png"}, dict.fromkeys(ACTORS, NOT_FOUND)),
    "healthz": ("get", lambda w: {}, EVERYONE_OK),
    "site:home": ("get", lambda w: {}, EVERYONE_OK),
    "site:easy_language": ("get", lambda w: {}, EVERYONE_OK),
    "site:search": ("get", lambda w: {}, EVERYONE_OK),
    "site:map": ("get", lambda w: {}, EVERYONE_OK),
    "site:category": ("get", lambda w: {"code": "counselling"}, EVERYONE_OK),
    "site:area": ("get", lambda w: {"slug": "volkmarsdorf"}, EVERYONE_OK),
    "site:offer": ("get", lambda w: {"public_id": w.offer.public_id}, EVERYONE_OK),
    "site:offer_print": ("get", lambda w: {"public_id": w.offer.public_id}, EVERYONE_OK),
    "site:offer_vcard": ("get", lambda w: {"public_id": w.offer.public_id}, EVERYONE_OK),
    "site:offer_qr": ("get", lambda w: {"public_id": w.offer.public_id}, EVERYONE_OK),
    "site:offer_report": ("get", lambda w: {"public_id": w.offer.public_id}, EVERYONE_OK),
    "site:organisation_list": ("get", lambda w: {}, EVERYONE_OK),
    "site:organisation": ("get", lambda w: {"public_id": w.organisation.public_id}, EVERYONE_OK),
    "site:glossary": ("get", lambda w: {}, EVERYONE_OK),
    "site:accessibility": ("get", lambda w: {}, EVERYONE_OK),
    "site:imprint": ("get", lambda w: {}, EVERYONE_OK),
    "site:privacy": ("get", lambda w: {}, EVERYONE_OK),
    "site:thanks": ("get", lambda w: {}, EVERYONE_OK),
    # The open-data API (HSDS 3.0) is public and needs no log-in.
    "hsds:root": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:openapi": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:profile": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:services": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:service": ("get", lambda w: {"public_id": w.offer.public_id}, EVERYONE_OK),
    "hsds:organizations": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:organization": ("get", lambda w: {"public_id": w.organisation.public_id}, EVERYONE_OK),
    "hsds:service_at_locations": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:service_at_location": (
        "get",
        lambda w: {"public_id": w.offer_location.public_id},
        EVERYONE_OK,
    ),
    "hsds:taxonomies": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:taxonomy": ("get", lambda w: {"public_id": hsds.CATEGORY_TAXONOMY_ID}, EVERYONE_OK),
    "hsds:taxonomy_terms": ("get", lambda w: {}, EVERYONE_OK),
    "hsds:taxonomy_term": (
        "get",
        lambda w: {"public_id": hsds.category_term_id("counselling")},
        EVERYONE_OK,
    ),
    "hsds:export": ("get", lambda w: {"name": "offers.csv"}, EVERYONE_OK),
    "hsds:unknown": ("get", lambda w: {"rest": "no-such-endpoint"}, dict.fromkeys(ACTORS, 404)),
    # Imports are for coordinators and staff; a token not checked in this session is unknown.
    "opendata_staff:home": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "opendata_staff:import_apply": (
        "post",
        lambda w: {"token": "not-checked-here"},
        {**CREATE_IN_OFFICE, Role.COORDINATOR: NOT_FOUND, Role.STAFF: NOT_FOUND},
    ),
    "events:calendar": ("get", lambda w: {}, EVERYONE_OK),
    "events:feed": ("get", lambda w: {}, EVERYONE_OK),
    "events:event": ("get", lambda w: {"public_id": w.event.public_id}, EVERYONE_OK),
    "events:event_ics": ("get", lambda w: {"public_id": w.event.public_id}, EVERYONE_OK),
    "events:register": (
        "get",
        lambda w: {"public_id": w.event.public_id, "stamp": _first_date(w.event)},
        EVERYONE_OK,
    ),
    "events:registration_cancel": (
        "get",
        lambda w: {"token": "not-a-token"},
        dict.fromkeys(ACTORS, NOT_FOUND),
    ),
    "events_staff:registrations": (
        "get",
        lambda w: {"public_id": w.event.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "events_staff:registrations_export": (
        "get",
        lambda w: {"public_id": w.event.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "events_staff:list": ("get", lambda w: {}, MEMBERS_OK),
    "events_staff:feeds": ("get", lambda w: {}, {**CHANGE_OFFICE_RECORD, Role.PARTNER_EDITOR: OK}),
    "events_staff:feed_refresh": (
        "post",
        lambda w: {"pk": 999999},
        {**dict.fromkeys(ACTORS, NOT_FOUND), "anonymous": LOGIN},
    ),
    # Partner editors create events of their own organisations.
    "events_staff:create": (
        "get",
        lambda w: {},
        {**CHANGE_OFFICE_RECORD, Role.PARTNER_EDITOR: OK},
    ),
    "events_staff:detail": ("get", lambda w: {"public_id": w.event.public_id}, READ_OFFICE_RECORD),
    "events_staff:edit": ("get", lambda w: {"public_id": w.event.public_id}, CHANGE_OFFICE_RECORD),
    "events_staff:duplicate": (
        "post",
        lambda w: {"public_id": w.event.public_id},
        POST_CHANGE_OFFICE_RECORD,
    ),
    "events_staff:archive": (
        "post",
        lambda w: {"public_id": w.event.public_id},
        POST_CHANGE_OFFICE_RECORD,
    ),
    "events_staff:occurrence": (
        "get",
        lambda w: {"public_id": w.event.public_id, "stamp": _first_date(w.event)},
        CHANGE_OFFICE_RECORD,
    ),
    "accounts:login": (
        "get",
        lambda w: {},
        {a: (OK if a == "anonymous" else REDIRECT) for a in ACTORS},
    ),
    # Log-out ends up on the log-in page, for everyone.
    "accounts:logout": ("post", lambda w: {}, dict.fromkeys(ACTORS, LOGIN)),
    "directory:dashboard": ("get", lambda w: {}, MEMBERS_OK),
    "directory:office_switch": (
        "post",
        lambda w: {},
        {**{r: REDIRECT for r in Role.values}, "anonymous": LOGIN, "no_office": NOT_FOUND},
    ),
    "directory:organisation_list": ("get", lambda w: {}, MEMBERS_OK),
    "directory:organisation_create": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "directory:organisation_detail": (
        "get",
        lambda w: {"public_id": w.organisation.public_id},
        READ_OFFICE_RECORD,
    ),
    "directory:organisation_edit": (
        "get",
        lambda w: {"public_id": w.organisation.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:offer_create": (
        "get",
        lambda w: {"public_id": w.organisation.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:contact_create": (
        "get",
        lambda w: {"public_id": w.organisation.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:offer_list": ("get", lambda w: {}, MEMBERS_OK),
    "directory:offer_detail": (
        "get",
        lambda w: {"public_id": w.offer.public_id},
        READ_OFFICE_RECORD,
    ),
    "directory:offer_edit": (
        "get",
        lambda w: {"public_id": w.offer.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:offer_location_add": (
        "get",
        lambda w: {"public_id": w.offer.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:offer_location_hours": (
        "get",
        lambda w: {"public_id": w.offer_location.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:offer_location_remove": (
        "post",
        lambda w: {"public_id": w.offer_location.public_id},
        POST_CHANGE_OFFICE_RECORD,
    ),
    "directory:location_list": ("get", lambda w: {}, MEMBERS_OK),
    "directory:location_create": ("get", lambda w: {}, CREATE_IN_OFFICE),
    "directory:location_detail": (
        "get",
        lambda w: {"public_id": w.location.public_id},
        READ_OFFICE_RECORD,
    ),
    "directory:location_edit": (
        "get",
        lambda w: {"public_id": w.location.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:contact_edit": (
        "get",
        lambda w: {"public_id": w.contact.public_id},
        CHANGE_OFFICE_RECORD,
    ),
    "directory:contact_delete": (
        "post",
        lambda w: {"public_id": w.contact.public_id},
        POST_CHANGE_OFFICE_RECORD,
    ),
    "directory:entry_confirm": (
        "post",
        lambda w: {"kind": "offers", "public_id": w.offer.public_id},
        POST_CHANGE_OFFICE_RECORD,
    ),
    "directory:entry_archive": (
        "post",
        lambda w: {"kind": "offers", "public_id": w.offer.public_id},
        POST_CHANGE_OFFICE_RECORD,
    ),
}

# The Django admin is for superusers only; it sends everyone else to its own log-in.
ADMIN_SAMPLES = ["admin:index", "admin:accounts_user_changelist", "admin:directory_category_add"]


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _named_patterns(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_pattern_is_in_the_table():
    missing = sorted(
        name
        for name in set(_named_patterns())
        if name not in TABLE and not name.startswith("admin:")
    )
    assert missing == [], f"add these URL patterns to the role × URL table: {missing}"


def _client_for(actor, world, client):
    if actor == "anonymous":
        return client
    if actor == "no_office":
        login(client, UserFactory(username="nobody"))
    else:
        login(client, world.members[actor].user)
    return client


def _check(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    elif expected == REDIRECT:
        assert response.status_code == 302, url
        assert not response["Location"].startswith(reverse("accounts:login")), url
    else:
        assert response.status_code == expected, url


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(TABLE))
def test_role_url_table(name, actor, world, client):
    method, kwargs, expectations = TABLE[name]
    url = reverse(name, kwargs=kwargs(world))
    data = {"office": str(world.office.public_id)} if name == "directory:office_switch" else {}
    response = getattr(_client_for(actor, world, client), method)(url, data)
    _check(response, expectations[actor], url)


FOREIGN = {
    "organisation": ["organisation_detail", "organisation_edit", "offer_create", "contact_create"],
    "offer": ["offer_detail", "offer_edit", "offer_location_add"],
    "offer_location": ["offer_location_hours", "offer_location_remove"],
    "location": ["location_detail", "location_edit"],
    "contact": ["contact_edit", "contact_delete"],
    "event": ["events_staff:detail", "events_staff:edit"],
}


@pytest.mark.parametrize("role", Role.values)
def test_records_of_another_office_answer_404(role, world, client):
    login(client, world.members[role].user)
    for record, names in FOREIGN.items():
        public_id = getattr(world, f"foreign_{record}").public_id
        for name in names:
            method = "post" if name.endswith("remove") or name.endswith("delete") else "get"
            qualified = name if ":" in name else f"directory:{name}"
            url = reverse(qualified, kwargs={"public_id": public_id})
            assert getattr(client, method)(url).status_code == 404, (role, url)
    for kind, record in [
        ("offers", world.foreign_offer),
        ("locations", world.foreign_location),
        ("organisations", world.foreign_organisation),
    ]:
        for name in ["entry_confirm", "entry_archive"]:
            url = reverse(f"directory:{name}", kwargs={"kind": kind, "public_id": record.public_id})
            assert client.post(url).status_code == 404, (role, url)


@pytest.mark.parametrize("name", ["member_unlock", "member_deactivate", "member_role"])
def test_members_of_another_office_answer_404(name, world, client):
    login(client, world.members[Role.COORDINATOR].user)
    foreign = world.members["other_coordinator"]
    url = reverse(f"accounts:{name}", kwargs={"pk": foreign.pk})
    assert client.post(url, {"role": "viewer"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.COORDINATOR and foreign.user.is_active


def test_unknown_entry_kind_answers_404(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    url = reverse(
        "directory:entry_confirm", kwargs={"kind": "users", "public_id": world.offer.public_id}
    )
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", ADMIN_SAMPLES)
def test_admin_is_for_superusers_only(name, world, client):
    url = reverse(name)
    assert client.get(url).status_code == 302
    login(client, world.members[Role.COORDINATOR].user)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_partner_editor_changes_their_own_organisation(world, client):
    login(client, world.members[Role.PARTNER_EDITOR].user)
    url = reverse(
        "directory:organisation_edit", kwargs={"public_id": world.partner_organisation.public_id}
    )
    assert client.get(url).status_code == 200
    listing = client.get(reverse("directory:organisation_list"))
    assert list(listing.context["page"]) == [world.partner_organisation]


def test_office_switch_rejects_garbage(world, client):
    login(client, world.members[Role.COORDINATOR].user)
    assert client.post(reverse("directory:office_switch"), {"office": "nope"}).status_code == 404
    foreign = {"office": str(world.other_office.public_id)}
    assert client.post(reverse("directory:office_switch"), foreign).status_code == 404
