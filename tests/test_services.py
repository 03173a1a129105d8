"""Directory services: history, optimistic locking, translation revisions, review, archive."""

import pytest
from django.utils import timezone

from tests.factories import OfferFactory, UserFactory
from wegweiser.core.audit import history_for
from wegweiser.core.records import EditConflict
from wegweiser.directory import services
from wegweiser.directory.models import EntryStatus, Offer, OfferTranslation


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", first_name="Erika")


def test_update_records_every_changed_field_in_history(editor):
    offer = OfferFactory(name="Deutschkurs A1", summary="alt")
    services.entry_update(
        offer,
        data={"name": "Deutschkurs A2", "summary": "alt"},
        expected_version=1,
        actor=editor,
        office=offer.organisation.office,
    )
    entry = history_for(offer).first()
    assert entry.action == "directory.offer.updated"
    assert entry.actor == editor
    assert entry.changes == {"name": ["Deutschkurs A1", "Deutschkurs A2"]}
    offer.refresh_from_db()
    assert offer.version == 2


def test_second_save_from_the_same_version_is_refused_and_overwrites_nothing(editor):
    offer = OfferFactory(name="Elterncafé")
    other = UserFactory(username="other")
    office = offer.organisation.office
    services.entry_update(
        offer, data={"name": "Elterncafé Ost"}, expected_version=1, actor=other, office=office
    )
    with pytest.raises(EditConflict) as caught:
        services.entry_update(
            offer, data={"name": "Elterncafé West"}, expected_version=1, actor=editor, office=office
        )
    assert caught.value.changed_fields == {"name": ["Elterncafé", "Elterncafé Ost"]}
    offer.refresh_from_db()
    assert offer.name == "Elterncafé Ost"
    assert offer.version == 2


def test_a_no_op_save_changes_neither_version_nor_history(editor):
    offer = OfferFactory(name="Frauentreff")
    services.entry_update(
        offer,
        data={"name": "Frauentreff"},
        expected_version=1,
        actor=editor,
        office=offer.organisation.office,
    )
    offer.refresh_from_db()
    assert offer.version == 1
    assert not history_for(offer).exists()


def test_source_change_outdates_translations_but_a_minor_change_does_not(editor):
    offer = OfferFactory(description="Wir helfen bei Anträgen.")
    OfferTranslation.objects.create(offer=offer, language="ar", description="…", source_revision=1)
    office = offer.organisation.office
    services.entry_update(
        offer,
        data={"description": "Wir helfen bei Antraegen."},
        expected_version=1,
        actor=editor,
        office=office,
        minor=True,
    )
    offer.refresh_from_db()
    assert offer.revision == 1
    services.entry_update(
        offer,
        data={"description": "Wir helfen bei allen Anträgen."},
        expected_version=2,
        actor=editor,
        office=office,
    )
    offer.refresh_from_db()
    assert offer.revision == 2
    outdated = OfferTranslation.objects.filter(source_revision__lt=offer.revision)
    assert list(outdated.values_list("language", flat=True)) == ["ar"]


def test_confirm_marks_the_entry_current_and_logs_it(editor):
    long_ago = timezone.now() - timezone.timedelta(days=400)
    offer = OfferFactory(verified_at=long_ago)
    assert offer.is_stale
    assert Offer.objects.stale().filter(pk=offer.pk).exists()
    services.entry_confirm(offer, actor=editor, office=offer.organisation.office)
    offer.refresh_from_db()
    assert not offer.is_stale
    assert offer.verified_by == editor
    assert not Offer.objects.stale().filter(pk=offer.pk).exists()
    assert history_for(offer).first().action == "directory.offer.confirmed"


def test_archive_keeps_the_entry_and_restore_brings_it_back(editor):
    offer = OfferFactory()
    office = offer.organisation.office
    services.entry_archive(offer, archived=True, actor=editor, office=office)
    assert not Offer.objects.live().filter(pk=offer.pk).exists()
    assert Offer.objects.archived().filter(pk=offer.pk).exists()
    services.entry_archive(offer, archived=False, actor=editor, office=office)
    offer.refresh_from_db()
    assert offer.entry_status == EntryStatus.ACTIVE
    actions = list(history_for(offer).values_list("action", flat=True))
    assert actions == ["directory.offer.restored", "directory.offer.archived"]
