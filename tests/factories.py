"""Factories for the directory and accounts (factory_boy)."""

from datetime import timedelta

import factory
from django.utils import timezone

from wegweiser.accounts.models import Membership, Office, Role, User
from wegweiser.directory.models import Contact, Location, Offer, OfferLocation, Organisation


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Office {n}")
    slug = factory.Sequence(lambda n: f"office-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@test.example")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = Role.COORDINATOR


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Verein {n} e.V.")
    kind = Organisation.Kind.MIGRANT_ASSOCIATION
    verified_at = factory.LazyFunction(timezone.now)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Deutschkurs {n}")
    summary = "Ein Kurs für Anfängerinnen und Anfänger."
    verified_at = factory.LazyFunction(timezone.now)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Haus {n}")
    street = "Eisenbahnstraße 1"
    postcode = "04315"
    verified_at = factory.LazyFunction(timezone.now)


class OfferLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferLocation

    offer = factory.SubFactory(OfferFactory)
    location = factory.SubFactory(
        LocationFactory, office=factory.SelfAttribute("..offer.organisation.office")
    )


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    role = "Beratung"
    phone = "+49 341 39299 100"
    is_public = True


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Event"

    organisation = factory.SubFactory(OrganisationFactory)
    office = factory.SelfAttribute("organisation.office")
    title = factory.Sequence(lambda n: f"Sprachcafé {n}")
    summary = "Deutsch sprechen bei Tee und Kuchen."
    place = "address"
    address = "Eisenbahnstraße 1, 04315 Leipzig"
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
