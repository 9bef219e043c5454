"""factory_boy factories for tests; the personas in conftest.py are built from these."""

import datetime as dt
from decimal import Decimal

import factory

from pollwatch.accounts.models import User
from pollwatch.elections.models import (
    Area,
    CalendarPhase,
    Candidate,
    Election,
    ElectionBody,
    Party,
    PollingStation,
)
from pollwatch.missions.models import (
    Invitation,
    Membership,
    Mission,
    Observer,
    Organisation,
    Role,
    Team,
)

UTC = dt.UTC


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


class ElectionBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElectionBody

    name = factory.Sequence(lambda n: f"Central Election Commission {n}")
    country = "KG"


class ElectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Election

    code = factory.Sequence(lambda n: f"election-{n}")
    name = factory.Sequence(lambda n: f"Presidential election {n}")
    kind = Election.Kind.PRESIDENTIAL
    country = "KG"
    election_day = dt.date(2017, 10, 15)
    time_zone = "Asia/Bishkek"
    win_threshold = Decimal("50.00")
    administered_by = factory.SubFactory(ElectionBodyFactory)


class CalendarPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarPhase

    election = factory.SubFactory(ElectionFactory)
    kind = CalendarPhase.Kind.CAMPAIGN
    starts_at = dt.datetime(2017, 9, 10, 18, tzinfo=UTC)
    ends_at = dt.datetime(2017, 10, 13, 18, tzinfo=UTC)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    country = "KG"
    name = factory.Sequence(lambda n: f"Party {n}")


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    election = factory.SubFactory(ElectionFactory)
    name = factory.Sequence(lambda n: f"Candidate {n}")
    ballot_number = factory.Sequence(lambda n: n + 1)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    election = factory.SubFactory(ElectionFactory)
    code = factory.Sequence(lambda n: f"A{n}")
    name = factory.Sequence(lambda n: f"Area {n}")
    level = "region"


class PollingStationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PollingStation

    election = factory.SelfAttribute("area.election")
    area = factory.SubFactory(AreaFactory)
    code = factory.Sequence(lambda n: f"{n:04d}")
    name = factory.Sequence(lambda n: f"School {n}")
    registered_voters = 1200


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.INTERNATIONAL


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    code = factory.Sequence(lambda n: f"mission-{n}")
    name = factory.Sequence(lambda n: f"Mission {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    election = factory.SubFactory(ElectionFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    election = factory.SubFactory(ElectionFactory)
    inviting_body = factory.SelfAttribute("election.administered_by")
    invitee = factory.SubFactory(OrganisationFactory)
    sent_on = dt.date(2017, 8, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    mission = factory.SubFactory(MissionFactory)
    role = Role.OBSERVER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    mission = factory.SubFactory(MissionFactory)
    code = factory.Sequence(lambda n: f"T{n}")


class ObserverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observer

    mission = factory.SubFactory(MissionFactory)
    code = factory.Sequence(lambda n: f"{n + 1000:04d}")
    name = factory.Sequence(lambda n: f"Observer {n}")
    nationality = "KZ"
    role = Observer.ObserverRole.SHORT_TERM
    phone = factory.Sequence(lambda n: f"+99655500{n:04d}")
