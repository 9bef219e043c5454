"""The demo scenario: its public facts, its synthetic rows, reloads and refusals.

The demo is loaded once for the module (committed, then removed at the end);
each test runs in its own transaction on top of it, so reloads and refusals made
inside a test are rolled back. Every demo report takes the real submission path, so
here only a few teams per mission report (demo_reports.REPORTING_TEAMS).
"""

import datetime as dt
import io
import zoneinfo
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from pollwatch.accounts.models import User
from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.checklists.models import Form, FormVersion
from pollwatch.demo import quickcount as demo_quickcount
from pollwatch.demo import reports as demo_reports
from pollwatch.demo import scenario as sc
from pollwatch.demo.services import DemoRefused, delete_demo, load_demo
from pollwatch.elections.models import Area, CalendarPhase, Candidate, Election, PollingStation
from pollwatch.missions.models import Deployment, Invitation, Mission, Observer, Role
from pollwatch.pvt.models import SampledStation
from pollwatch.reports.models import Channel, Flag, Report, ReportVersion, Submission
from pollwatch.testing import factories as f

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")
REPORTING_TEAMS = 6
REPORTING_STATIONS = 30


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_reports, "REPORTING_TEAMS", REPORTING_TEAMS)
        patch.setattr(demo_quickcount, "REPORTING_STATIONS", REPORTING_STATIONS)
        with django_db_blocker.unblock():
            summary = load_demo()
        yield summary
        with django_db_blocker.unblock():
            delete_demo()


@pytest.fixture
def election(demo, db):
    return Election.objects.get(code=sc.ELECTION_CODE)


def abroad_path(election):
    return Area.objects.get(election=election, code="ABR").path


def test_station_counts_at_home_and_abroad(election):
    stations = PollingStation.objects.filter(election=election)
    abroad = stations.filter(area__path__startswith=abroad_path(election))
    assert stations.count() == 2412
    assert abroad.count() == 37
    assert stations.exclude(pk__in=abroad).count() == 2375
    assert abroad.values("area").distinct().count() == 26


def test_registered_voters_add_up_to_the_reported_total(election):
    stations = PollingStation.objects.filter(election=election)
    assert stations.aggregate(total=Sum("registered_voters"))["total"] == 3_025_768
    assert not stations.filter(registered_voters__lt=1).exists()


def test_regions_are_the_real_ones(election):
    regions = Area.objects.filter(election=election, depth=1)
    assert set(regions.values_list("name", flat=True)) == {
        "Bishkek city",
        "Osh city",
        "Batken oblast",
        "Chuy oblast",
        "Issyk-Kul oblast",
        "Jalal-Abad oblast",
        "Naryn oblast",
        "Osh oblast",
        "Talas oblast",
        "Abroad",
    }
    root = Area.objects.get(election=election, depth=0)
    assert root.code == "KG"
    assert set(regions.values_list("parent", flat=True)) == {root.pk}
    # Paths are what Area.save() would have written, so subtree queries work.
    for area in Area.objects.filter(election=election).select_related("parent"):
        expected = (area.parent.path if area.parent else "/") + area.code + "/"
        assert area.path == expected


def test_every_station_is_valid_and_placed_in_a_district_or_country(election):
    for station in PollingStation.objects.filter(election=election).select_related("area"):
        # Field validators only: the database itself enforces keys and constraints.
        station.full_clean(
            exclude=["election", "area"], validate_unique=False, validate_constraints=False
        )
        assert station.area.depth == 2
        assert len(station.code) == 4 and station.code.isdigit()


def test_candidates_in_ballot_order(election):
    candidates = list(election.candidates.select_related("party").order_by("ballot_number"))
    assert [c.name for c in candidates] == [
        "Ernis Zarlykov",
        "Toktaiym Umetalieva",
        "Temir Sariev",
        "Ulukbek Kochkorov",
        "Taalatbek Masadykov",
        "Omurbek Babanov",
        "Arstanbek Abdyldaev",
        "Azimbek Beknazarov",
        "Sooronbay Jeenbekov",
        "Adakhan Madumarov",
        "Arslanbek Maliev",
    ]
    assert [c.ballot_number for c in candidates] == list(range(1, 12))
    assert {c.status for c in candidates} == {Candidate.Status.REGISTERED}
    jeenbekov = candidates[8]
    assert jeenbekov.party.short_name == "SDPK"
    assert jeenbekov.nominated_by == Candidate.Nominator.PARTY
    assert "Сооронбай Жээнбеков" in jeenbekov.names.values_list("name", flat=True)
    assert "Sooronbay Zheenbekov" in jeenbekov.names.values_list("name", flat=True)
    assert all(c.names.filter(script="Cyrl").exists() for c in candidates)


def test_certified_leader_won_outright(election):
    assert sc.CERTIFIED_LEADER == "Sooronbay Jeenbekov"
    assert election.candidates.filter(name=sc.CERTIFIED_LEADER).exists()
    assert sc.CERTIFIED_SHARES[sc.CERTIFIED_LEADER] > election.win_threshold
    assert sc.CERTIFIED_VOTES[sc.CERTIFIED_LEADER] == 920_620
    assert "54.22" in election.notes and "Atambaev" in election.notes


def test_election_calendar_in_bishkek_time(election):
    assert election.is_demo
    assert election.time_zone == "Asia/Bishkek"
    assert election.election_day == dt.date(2017, 10, 15)
    assert election.win_threshold == Decimal("50.00")
    assert election.administered_by.country == "KG"
    phases = {p.kind: p for p in election.phases.all()}
    assert list(phases) == [
        "nomination",
        "registration",
        "campaign",
        "silence",
        "polling",
        "counting",
        "tabulation",
    ]
    assert phases["campaign"].ends_at == dt.datetime(2017, 10, 14, tzinfo=BISHKEK)
    assert phases["silence"].ends_at == dt.datetime(2017, 10, 15, tzinfo=BISHKEK)
    assert phases["polling"].starts_at == dt.datetime(2017, 10, 15, 8, tzinfo=BISHKEK)
    assert phases["polling"].ends_at == dt.datetime(2017, 10, 15, 20, tzinfo=BISHKEK)
    assert election.local(phases["tabulation"].ends_at).date() == dt.date(2017, 10, 31)


def test_scenario_clock_is_inside_the_silence_day(election):
    assert election.local(election.now()) == dt.datetime(2017, 10, 14, 12, tzinfo=BISHKEK)
    current = [p.kind for p in election.phases.all() if p.contains(election.now())]
    assert current == [CalendarPhase.Kind.SILENCE]


def test_kazakhstan_declined_at_its_meeting(election):
    invitation = Invitation.objects.select_related("invitee__election_body").get(
        election=election, invitee__election_body__country="KZ"
    )
    assert invitation.status == Invitation.Status.DECLINED
    assert invitation.decided_on == dt.date(2017, 10, 13)
    assert "Meeting" in invitation.decided_where
    assert "Sarsenbaev" in invitation.decided_by
    assert "interfering" in invitation.statement
    body = invitation.invitee.election_body
    assert body is not None
    assert set(body.members.values_list("name", "role")) == {
        ("Konstantin Petrov", "deputy_chair"),
        ("Marat Sarsenbaev", "member"),
    }


def test_three_missions_with_accepted_invitations(election):
    missions = Mission.objects.filter(election=election)
    assert set(missions.values_list("code", flat=True)) == {
        "odihr-kg-2017",
        "cis-kg-2017",
        "turkic-kg-2017",
    }
    for mission in missions:
        invitation = Invitation.objects.get(election=election, invitee=mission.organisation)
        assert invitation.status == Invitation.Status.ACCEPTED


def test_46_kazakh_observers_over_the_three_missions(election):
    observers = Observer.objects.filter(mission__election=election)
    kazakhs = observers.filter(nationality="KZ")
    assert kazakhs.count() == 46
    per_mission = dict(kazakhs.values_list("mission__code").annotate(n=Count("id")))
    assert per_mission == {"odihr-kg-2017": 14, "cis-kg-2017": 20, "turkic-kg-2017": 12}
    assert set(kazakhs.values_list("seconded_by", flat=True)) == {sc.KZ_SECONDING_BODY}
    assert observers.count() == 770
    assert observers.values("nationality").distinct().count() >= 50


def test_observers_are_valid(election):
    for observer in Observer.objects.filter(mission__election=election):
        observer.full_clean(
            exclude=["mission", "team", "user"], validate_unique=False, validate_constraints=False
        )
        assert observer.accreditation_status == Observer.Accreditation.ISSUED


def test_short_term_observers_work_in_pairs_at_ten_stations(election):
    short_term = Observer.objects.filter(
        mission__election=election, role=Observer.ObserverRole.SHORT_TERM
    )
    team_sizes = short_term.values("team").annotate(n=Count("id"))
    assert {row["n"] for row in team_sizes} == {2}
    deployments = Deployment.objects.filter(
        mission__election=election, date=dt.date(2017, 10, 15)
    ).select_related("area")
    assert deployments.count() == len(team_sizes)
    sampled = SampledStation.objects.filter(sample__mission__election=election)
    for deployment in deployments:
        assert deployment.area is not None
        # The quick count's sampled stations come on top, wherever the sample fell.
        stations = deployment.stations.exclude(pk__in=sampled.values("station"))
        assert 0 < stations.count() <= sc.STATIONS_PER_TEAM
        assert not stations.exclude(area__path__startswith=deployment.area.path).exists()


def test_demo_accounts_sign_in_with_the_demo_password(election):
    users = User.objects.filter(username__in=sc.DEMO_USERNAMES)
    assert users.count() == len(sc.LOGINS)
    assert not users.filter(is_superuser=True).exists()
    coordinator = users.get(username="odihr-coordinator")
    assert coordinator.check_password(sc.DEMO_PASSWORD)
    membership = coordinator.memberships.get()
    assert (membership.mission.code, membership.role) == ("odihr-kg-2017", Role.COORDINATOR)
    observer = users.get(username="odihr-observer").observer
    assert observer.mission.code == "odihr-kg-2017"
    assert observer.role == Observer.ObserverRole.SHORT_TERM


def test_four_forms_in_every_mission(election):
    forms = Form.objects.filter(mission__election=election).select_related("current_version")
    assert forms.count() == 13
    for mission in Mission.objects.filter(election=election):
        kinds = dict(forms.filter(mission=mission).values_list("code", "kind"))
        # The quick count, with its results form, is the main demo mission's.
        results = {"results": "results"} if mission.code == sc.MISSIONS[0].code else {}
        assert kinds == {
            "opening": "opening",
            "voting": "voting",
            "counting": "counting",
            "incident": "incident",
            **results,
        }
    voting = FormVersion.objects.filter(form__in=forms, form__code="voting").first()
    assert voting is not None
    spec = voting.spec
    assert voting.form.prefix == "VT" and voting.version == "2017100102"
    assert spec["languages"] == ["en", "ru"]
    answered = [q for q in spec["questions"] if q["type"] not in ("note", "calculate")]
    assert len(answered) >= 30
    assert sum(1 for q in spec["questions"] if q["relevant"]) >= 5
    assert sum(1 for q in spec["questions"] if q["constraint"]) >= 5
    counting = FormVersion.objects.filter(form__in=forms, form__code="counting").first()
    assert counting is not None
    checks = {c["name"] for c in counting.spec["checks"]}
    assert checks >= {"votes_add_up", "found_within_register"}
    assert sum(1 for q in counting.spec["questions"] if q["name"].startswith("votes_")) == 11


def test_reports_of_every_kind_through_the_submission_path(election, demo):
    reports = Report.objects.filter(mission__election=election)
    assert reports.count() == demo.reports > 100
    per_form = dict(reports.values_list("form__code").annotate(n=Count("id")))
    assert set(per_form) == {"opening", "voting", "counting", "incident", "results"}
    assert per_form["voting"] > per_form["opening"]
    # Every checklist was made at a station of the observer's team's deployment.
    for report in reports.filter(is_checklist=True).select_related("observer", "station"):
        assert Deployment.objects.filter(
            team=report.observer.team_id, stations=report.station
        ).exists()
    assert Submission.objects.filter(version__report__in=reports).count() >= reports.count()
    assert reports.filter(versions__number=2).exists()  # some were corrected later


def test_some_reports_are_flagged_and_some_in_conflict(election, demo):
    reports = Report.objects.filter(mission__election=election)
    flagged = reports.filter(status=Report.Status.FLAGGED)
    assert flagged.count() == demo.flagged_reports > 0
    assert Flag.objects.filter(report__in=reports, kind=Flag.Kind.QUALITY_CHECK).exists()
    conflicted = reports.filter(in_conflict=True)
    assert conflicted.count() == demo.reports_in_conflict >= 2
    for report in conflicted:
        # Its counterpart: another observer's report of the same form at the same station.
        assert (
            conflicted.filter(form=report.form, station=report.station)
            .exclude(observer=report.observer)
            .exists()
        )


def test_campaigning_on_the_silence_day_is_flagged(election, demo):
    silence = Flag.objects.filter(
        report__mission__election=election, kind=Flag.Kind.SILENCE_CAMPAIGNING
    ).select_related("report")
    assert silence.count() == demo.silence_flags > 0
    for flag in silence:
        assert election.local(flag.report.observed_at).date() == dt.date(2017, 10, 14)
    earlier = Report.objects.filter(
        mission__election=election,
        form__code="incident",
        observed_at__lt=dt.datetime(2017, 10, 14, tzinfo=BISHKEK),
    )
    assert earlier.exists()
    assert not Flag.objects.filter(report__in=earlier, kind=Flag.Kind.SILENCE_CAMPAIGNING).exists()


def test_an_example_gateway_of_each_kind_in_every_mission(election, demo):
    gateways = Gateway.objects.filter(mission__election=election).select_related("mission")
    assert gateways.count() == demo.sms_gateways == 9
    for mission in Mission.objects.filter(election=election):
        kinds = sorted(gateways.filter(mission=mission).values_list("kind", flat=True))
        assert kinds == sorted(Gateway.Kind.values)
    # Made-up secrets, all different, none looking like a real credential.
    secrets = [g.secret for g in gateways]
    assert len(set(secrets)) == len(secrets)
    assert all(secret.startswith("demo-") for secret in secrets)
    twilio = gateways.get(mission__code="odihr-kg-2017", kind=Gateway.Kind.TWILIO)
    assert twilio.name == "Twilio (demo)"
    assert twilio.account_sid.startswith("ACdemo")
    assert twilio.public_url == f"https://pollwatch.example.org/sms/{twilio.uuid}/twilio"
    assert not gateways.exclude(pk=twilio.pk).exclude(public_url="").exists()
    assert 0 < twilio.messages_per_minute <= 60


def test_reports_by_sms_come_through_the_gateways(election, demo):
    messages = InboundMessage.objects.filter(gateway__mission__election=election)
    assert messages.count() == demo.sms_messages
    outcomes = set(messages.values_list("outcome", flat=True))
    assert outcomes == {"accepted", "refused", "duplicate"}
    # Redeliveries are answered again but stored once (so there is no row for them).
    assert demo.sms_redelivered >= 1
    for message in messages.select_related("report", "observer"):
        assert message.reply
        assert election.local(message.received_at).date() == dt.date(2017, 10, 15)
        if message.outcome == "refused":
            assert message.report is None
            assert message.observer is not None  # a typing mistake, answered in kind
            continue
        report = message.report
        assert report is not None and report.observer == message.observer
        by_sms = report.versions.filter(channel=Channel.SMS).exists()
        # A duplicate is a checklist the web form delivered first: no SMS version.
        assert by_sms == (message.outcome == "accepted")
    sms_reports = Report.objects.filter(
        mission__election=election, versions__channel=Channel.SMS
    ).distinct()
    assert sms_reports.count() == demo.sms_reports > 0
    sms_versions = ReportVersion.objects.filter(report__mission__election=election, channel="sms")
    assert set(sms_versions.values_list("report__form__code", flat=True)) >= {"opening", "voting"}
    # Every reply is in the log, sent when the message came in (not when the demo loaded).
    replies = OutboundMessage.objects.filter(in_reply_to__in=messages)
    assert replies.count() == messages.count()
    for reply in replies.select_related("in_reply_to"):
        assert reply.status == OutboundMessage.Status.SENT
        assert reply.sent_at is not None and reply.in_reply_to is not None
        delay = reply.sent_at - reply.in_reply_to.received_at
        assert dt.timedelta(0) < delay < dt.timedelta(minutes=1)


def test_a_report_texted_from_another_phone_is_flagged(election):
    flags = Flag.objects.filter(
        report__mission__election=election, kind=Flag.Kind.UNREGISTERED_PHONE
    ).select_related("report__observer")
    assert flags.exists()
    for flag in flags:
        message = InboundMessage.objects.get(report=flag.report, outcome="accepted")
        assert message.sender != flag.report.observer.phone


def test_the_sms_guide_shows_each_demo_form(election, client):
    client.force_login(User.objects.get(username="odihr-observer"))
    response = client.get("/m/odihr-kg-2017/sms/guide/")
    assert response.status_code == 200
    page = response.content.decode()
    for prefix in ("OP", "VT", "CT"):
        assert f"<code>{prefix} 1234 0457 A" in page  # a worked example with a station
    assert "<code>IN 1234 A" in page  # incidents need no station


def test_delete_demo_removes_gateways_and_messages(election):
    delete_demo()
    assert not Gateway.objects.exists()
    assert not InboundMessage.objects.exists()
    assert not OutboundMessage.objects.exists()


def snapshot(election):
    stations = list(
        PollingStation.objects.filter(election=election)
        .order_by("code")
        .values_list("code", "name", "area__path", "registered_voters", "latitude", "longitude")
    )
    observers = list(
        Observer.objects.filter(mission__election=election)
        .order_by("mission__code", "code")
        .values_list("uuid", "name", "nationality", "phone", "team__code")
    )
    submissions = list(
        Submission.objects.filter(version__report__mission__election=election)
        .order_by("instance_id")
        .values_list("instance_id", "version__number", "version__answers", "channel")
    )
    messages = list(
        InboundMessage.objects.filter(gateway__mission__election=election)
        .order_by("gateway__uuid", "message_id")
        .values_list("gateway__uuid", "message_id", "sender", "text", "outcome", "reply")
    )
    return stations, observers, submissions, messages


def test_reload_gives_the_same_demo_and_keeps_superusers(election, demo):
    before = snapshot(election)
    f.UserFactory(username="root", is_superuser=True, is_staff=True)
    summary = load_demo()
    reloaded = Election.objects.get(code=sc.ELECTION_CODE)
    assert reloaded.pk != election.pk
    assert snapshot(reloaded) == before
    assert replace(summary, seconds=0) == replace(demo, seconds=0)
    assert User.objects.filter(username="root").exists()
    assert Election.objects.count() == 1
    assert Mission.objects.count() == 3
    assert Report.objects.count() == summary.reports
    assert Form.objects.count() == 13


def test_refuses_non_demo_data_unless_forced(election):
    f.ElectionFactory(code="al-2017-parliamentary")
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", stdout=io.StringIO())
    assert Election.objects.get(code=sc.ELECTION_CODE).pk == election.pk
    out = io.StringIO()
    call_command("demo", "--force", stdout=out)
    assert Election.objects.filter(code="al-2017-parliamentary", is_demo=False).exists()
    assert Election.objects.filter(code=sc.ELECTION_CODE, is_demo=True).count() == 1
    assert "odihr-coordinator" in out.getvalue()
    assert sc.DEMO_PASSWORD in out.getvalue()


def test_refuses_an_account_made_outside_the_demo(election):
    f.UserFactory(username="someone")
    with pytest.raises(DemoRefused, match="1 user account"):
        load_demo()


def test_refuses_to_overwrite_a_real_election_with_the_demo_code(election):
    delete_demo()
    f.ElectionFactory(code=sc.ELECTION_CODE, is_demo=False)
    with pytest.raises(DemoRefused, match=sc.ELECTION_CODE):
        load_demo(force=True)
