"""The sample page and the CLI: planning, a reproducible draw, export, assignment, access."""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from pollwatch.elections.models import OfficialResult
from pollwatch.missions.models import Deployment
from pollwatch.pvt import sampling
from pollwatch.pvt.models import Sample, SampledStation
from pollwatch.pvt.stats import design
from pollwatch.pvt.stats.estimate import z_for
from pollwatch.pvt.tests.qc_helpers import draw, make_world
from pollwatch.testing import factories as f


@pytest.fixture
def world(mission):
    return make_world(mission, regions=3, per_region=10)


def url(mission, name):
    return reverse(f"pvt_quickcount:{name}", args=[mission.code])


def stored(sample):
    return set(SampledStation.objects.filter(sample=sample).values_list("station__code", flat=True))


def post_draw(client, mission, size, seed, level="region", minimum=0, **extra):
    body = {
        "size": size,
        "seed": seed,
        "stratum_level": level,
        "minimum": minimum,
        "margin": "1.5",
        "confidence": "0.99",
        "expected_turnout": "55",
        "design_effect": "20",
        "planned_from_past_results": "False",
    }
    return client.post(url(mission, "draw"), body, **extra)


# --- planning ---------------------------------------------------------------------------


def test_the_design_shows_the_design_effect_figure_and_the_voter_formula(
    as_user, coordinator, mission, world
):
    query = {
        "margin": "2",
        "confidence": "0.95",
        "expected_turnout": "60",
        "stratum_level": "region",
        "design_effect": "20",
        "minimum": "0",
    }
    response = as_user(coordinator).get(url(mission, "sample"), query)
    assert response.status_code == 200
    registered = sum(s.registered_voters for s in world.stations)
    per_station = registered * 0.60 / len(world.stations)
    expected = design.stations_for_margin(registered, 0.02, z_for(0.95), per_station, 20.0)
    voters = design.voter_sample_size(registered, 0.02, z_for(0.95))
    plan = response.context["design"]
    assert plan.by_design_effect == expected
    assert plan.voters == pytest.approx(voters)
    assert plan.from_past_results is None
    assert plan.recommended == min(expected, len(world.stations))
    assert "Too small for a quick count" in response.text


def test_the_plan_from_past_results_uses_the_official_results(as_user, coordinator, mission, world):
    leader, other = world.candidates[0], world.candidates[1]
    for k, station in enumerate(world.stations):
        votes = {str(leader.pk): 300 + 7 * k, str(other.pk): 250 - 3 * (k % 5)}
        valid = sum(votes.values())
        OfficialResult.objects.create(
            election=world.election,
            station=station,
            registered_voters=station.registered_voters,
            ballots_found=valid + 4,
            invalid=4,
            valid=valid,
            votes=votes,
        )
    query = {
        "margin": "1",
        "confidence": "0.99",
        "expected_turnout": "55",
        "stratum_level": "region",
        "design_effect": "20",
        "minimum": "0",
    }
    response = as_user(coordinator).get(url(mission, "sample"), query)
    results = OfficialResult.objects.order_by("station__code")
    y = [r.votes[str(leader.pk)] for r in results]
    x = [r.valid for r in results]
    strata = [r.station.area.code for r in results]
    sizes = {area.code: 10 for area in world.regions}
    expected = design.stations_from_past_results(y, x, strata, sizes, 0.01, z_for(0.99))
    assert response.context["design"].from_past_results == expected
    assert "From past results" in response.text


# --- the draw ---------------------------------------------------------------------------


def test_the_page_draws_the_cores_sample_and_the_same_seed_draws_it_again(
    as_user, coordinator, mission, world
):
    client = as_user(coordinator)
    response = post_draw(client, mission, 9, "abc123")
    assert response.status_code == 302
    first = Sample.objects.get(mission=mission, is_active=True)
    expected = design.draw_sample(world.frame(), 9, "abc123")
    assert stored(first) == {row.station for row in expected}
    rows = SampledStation.objects.filter(sample=first).values_list(
        "station__code", "stratum", "stratum_size", "stratum_sample", "weight"
    )
    assert sorted(rows) == sorted(
        (r.station, r.stratum, r.N_h, r.n_h, pytest.approx(r.weight)) for r in expected
    )
    assert (first.seed, first.size, first.stratum_level, first.created_by) == (
        "abc123",
        9,
        "region",
        coordinator,
    )
    post_draw(client, mission, 9, "abc123")
    again = Sample.objects.get(mission=mission, is_active=True)
    assert again.pk != first.pk and stored(again) == stored(first)
    first.refresh_from_db()
    assert not first.is_active
    post_draw(client, mission, 9, "another-seed")
    assert stored(Sample.objects.get(mission=mission, is_active=True)) != stored(first)


def test_the_page_proposes_a_fresh_seed(as_user, coordinator, mission, world):
    client = as_user(coordinator)
    seeds = {client.get(url(mission, "sample")).context["draw_form"].initial["seed"] for _ in "ab"}
    assert len(seeds) == 2 and all(len(seed) >= 8 for seed in seeds)


def test_a_minimum_per_stratum_is_honoured(as_user, coordinator, mission, world):
    small = f.AreaFactory(election=world.election, code="R4", level="region", parent=world.root)
    for code in ("4001", "4002"):
        f.PollingStationFactory(area=small, code=code)
    client = as_user(coordinator)
    post_draw(client, mission, 16, "m")
    proportional = SampledStation.objects.filter(sample__is_active=True, stratum="R4").count()
    post_draw(client, mission, 16, "m", minimum=2)
    sample = Sample.objects.get(mission=mission, is_active=True)
    assert (proportional, sample.minimum_per_stratum) == (1, 2)
    assert SampledStation.objects.filter(sample=sample, stratum="R4").count() == 2
    assert SampledStation.objects.filter(sample=sample).count() == 16


def test_a_draw_the_frame_cannot_give_stores_nothing(as_user, coordinator, mission, world):
    response = post_draw(as_user(coordinator), mission, 500, "too-many", follow=True)
    assert "Nothing was drawn" in response.text
    assert not Sample.objects.exists()


def test_the_cli_draws_what_the_page_draws(as_user, coordinator, mission, world, tmp_path):
    post_draw(as_user(coordinator), mission, 12, "cli-seed")
    by_page = stored(Sample.objects.get(mission=mission, is_active=True))
    out = io.StringIO()
    target = tmp_path / "sample.csv"
    call_command(
        "pvt_draw", "--mission", mission.code, "--size", "12", "--seed", "cli-seed",
        "--stratum-level", "region", "--output", str(target), stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "cli-seed" in out.getvalue()
    by_cli = Sample.objects.get(mission=mission, is_active=True)
    assert stored(by_cli) == by_page
    with target.open(encoding="utf-8") as handle:
        assert {row["station"] for row in csv.DictReader(handle)} == by_page


def test_the_sample_csv_lists_every_drawn_station_with_its_seed(as_user, analyst, mission, world):
    sample = draw(mission, 10, seed="csv-seed")
    response = as_user(analyst).get(url(mission, "sample_csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["station"] for row in rows} == stored(sample)
    assert {row["seed"] for row in rows} == {"csv-seed"}
    for row in rows:
        assert float(row["weight"]) == pytest.approx(
            int(row["stratum_stations"]) / int(row["stratum_sampled"])
        )


def test_is_sampled_and_the_sampled_stations(mission, other_mission, world):
    sample = draw(mission, 6)
    drawn = stored(sample)
    inside = next(s for s in world.stations if s.code in drawn)
    outside = next(s for s in world.stations if s.code not in drawn)
    assert sampling.is_sampled(inside, mission) and not sampling.is_sampled(outside, mission)
    assert not sampling.is_sampled(inside, other_mission)
    assert set(sampling.sampled_stations(mission).values_list("code", flat=True)) == drawn


def test_abroad_like_branches_form_their_own_stratum(mission, world):
    abroad = f.AreaFactory(election=world.election, code="ABR", level="abroad", parent=world.root)
    country = f.AreaFactory(election=world.election, code="ABR-DE", level="country", parent=abroad)
    f.PollingStationFactory(area=country, code="9001")
    frame = sampling.frame_for(world.election, "region")
    assert dict(zip(frame.codes, frame.strata, strict=True))["9001"] == "ABR"
    assert frame.sizes() == {"R1": 10, "R2": 10, "R3": 10, "ABR": 1}


# --- assignment -------------------------------------------------------------------------


def test_assigning_splits_the_unassigned_sampled_stations_among_the_teams(
    as_user, coordinator, mission, world
):
    sample = draw(mission, 9)
    teams: list[Any] = [f.TeamFactory(mission=mission, code=code) for code in ("A", "B")]
    drawn = sorted(stored(sample))
    earlier = Deployment.objects.create(
        mission=mission, team=teams[0], date=world.election.election_day
    )
    taken = next(s for s in world.stations if s.code == drawn[0])
    earlier.stations.add(taken)
    response = as_user(coordinator).post(
        url(mission, "assign"), {"teams": ["A", "B"], "date": "2017-10-15"}
    )
    assert response.status_code == 302
    by_team: dict[str, set[str]] = {
        team.code: set(
            Deployment.objects.filter(team=team).values_list("stations__code", flat=True)
        )
        for team in teams
    }
    assert by_team["A"] | by_team["B"] == set(drawn)
    assert not by_team["A"] & by_team["B"]
    assert sorted(len(codes) for codes in by_team.values()) == [4, 5]
    assert Deployment.objects.filter(team=teams[0]).count() == 1  # extended, not doubled


def test_assigning_gives_a_team_the_sampled_stations_of_its_own_area_first(
    as_user, coordinator, mission, world
):
    # Three regions of 10 stations, 12 sampled (4 a region), three teams: B works in
    # region 3 and C in region 1 (long-term deployments on an earlier date), A has no
    # area. B and C get their own regions' stations; A the rest.
    sample = draw(mission, 12)
    teams: dict[str, Any] = {code: f.TeamFactory(mission=mission, code=code) for code in "ABC"}
    earlier = world.election.election_day - dt.timedelta(days=20)
    for code, region in (("B", 2), ("C", 0)):
        Deployment.objects.create(
            mission=mission, team=teams[code], area=world.regions[region], date=earlier
        )
    drawn = stored(sample)
    assert sorted(code[0] for code in drawn) == ["1"] * 4 + ["2"] * 4 + ["3"] * 4
    response = as_user(coordinator).post(
        url(mission, "assign"), {"teams": ["A", "B", "C"], "date": "2017-10-15"}
    )
    assert response.status_code == 302
    by_team = {
        code: sorted(
            Deployment.objects.filter(team=team, date=world.election.election_day).values_list(
                "stations__code", flat=True
            )
        )
        for code, team in teams.items()
    }
    assert [code[0] for code in by_team["B"]] == ["3"] * 4
    assert [code[0] for code in by_team["C"]] == ["1"] * 4
    assert [code[0] for code in by_team["A"]] == ["2"] * 4


def test_assigning_from_a_file_is_all_or_nothing(as_user, coordinator, mission, world):
    sample = draw(mission, 6)
    f.TeamFactory(mission=mission, code="A")
    drawn = sorted(stored(sample))
    outside = next(s.code for s in world.stations if s.code not in drawn)
    client = as_user(coordinator)

    def upload(text):
        data = {"file": SimpleUploadedFile("a.csv", text.encode()), "date": "2017-10-15"}
        return client.post(url(mission, "assign"), data, follow=True)

    bad = upload(f"station,team\n{drawn[0]},A\n{outside},A\n{drawn[1]},Z\n")
    assert "is not in the sample" in bad.text and "no team Z" in bad.text
    assert not Deployment.objects.filter(mission=mission, team__code="A").exists()
    upload(f"station,team\n{drawn[0]},A\n{drawn[1]},A\n")
    assigned = Deployment.objects.filter(mission=mission, team__code="A").values_list(
        "stations__code", flat=True
    )
    assert sorted(assigned) == drawn[:2]


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["viewer", "observer", "data_clerk"])
def test_members_outside_the_core_team_may_not_see_the_sample(
    request, as_user, mission, world, persona
):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(url(mission, "sample")).status_code == 403
    assert client.get(url(mission, "sample_csv")).status_code == 403
    assert post_draw(client, mission, 5, "x").status_code == 403


def test_an_analyst_sees_the_sample_but_may_not_draw_or_assign(as_user, analyst, mission, world):
    client = as_user(analyst)
    response = client.get(url(mission, "sample"))
    assert response.status_code == 200 and response.context["draw_form"] is None
    assert post_draw(client, mission, 5, "x").status_code == 403
    assert (
        client.post(url(mission, "assign"), {"teams": [], "date": "2017-10-15"}).status_code == 403
    )
    assert not Sample.objects.exists()


@pytest.mark.parametrize("persona", ["other_coordinator", "outsider"])
def test_another_mission_gets_404(request, as_user, mission, world, persona):
    draw(mission, 5)
    client = as_user(request.getfixturevalue(persona))
    for name in ("sample", "sample_csv"):
        assert client.get(url(mission, name)).status_code == 404
    assert post_draw(client, mission, 5, "x").status_code == 404
    assert Sample.objects.count() == 1


def test_the_admin_shows_samples_read_only(as_user, operator, mission, world):
    sample = draw(mission, 5)
    client = as_user(operator)
    for name in ("sample", "quickcountpolicy"):
        assert client.get(reverse(f"admin:pvt_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:pvt_sample_change", args=[sample.pk])).status_code == 200
    assert client.get(reverse("admin:pvt_sample_add")).status_code == 403


def test_sampled_stations_are_marked_on_the_station_list_and_page(
    as_user, coordinator, mission, world
):
    sample = draw(mission, size=6, seed="marks")
    sampled = sorted(stored(sample))
    client = as_user(coordinator)

    listing = client.get(reverse("elections:stations", args=[mission.code]), {"per_page": 100})
    page = client.get(reverse("elections:station", args=[mission.code, sampled[0]]))
    other = (
        mission.election.stations.exclude(code__in=sampled).values_list("code", flat=True).first()
    )
    unsampled_page = client.get(reverse("elections:station", args=[mission.code, other]))

    marked = listing.content.decode().count('title="In the quick-count sample"')
    assert marked == len([s for s in listing.context["page"].object_list if s.code in sampled])
    assert marked > 0
    assert "In the quick-count sample" in page.content.decode()
    assert "In the quick-count sample" not in unsampled_page.content.decode()
