"""The forensics page on real official results (Albania 2017)."""

import pytest
from django.urls import reverse

from pollwatch.elections import results
from pollwatch.elections.models import Candidate, Party
from pollwatch.elections.results import ResultsMapping, import_results
from pollwatch.testing import factories as f
from pollwatch.testing.albania import load_albania_frame, make_albania_election, results_rows
from pollwatch.testing.data.albania2017 import RESULTS_CSV

PARTIES = ["lsi", "ps", "pkd", "sfida", "pr", "pd", "pbdksh", "adk", "psd", "ad", "frd", "pds"]
PARTIES += ["pdiu", "aak", "mega", "pksh", "apd", "libra"]


@pytest.fixture
def albania_mission(db):
    election = make_albania_election()
    load_albania_frame(election)
    for number, key in enumerate(PARTIES, start=1):
        party = Party.objects.create(country="AL", name=key.upper(), short_name=key.upper())
        Candidate.objects.create(
            election=election, name=key.upper(), party=party, ballot_number=number
        )
    data = RESULTS_CSV.read_bytes()
    guess = results.guess_mapping(election, results.read_header(data))
    fields = {
        "station": "qvKod",
        "registered": "zgjedhes",
        "ballots_found": "ballotsCast",
        "invalid": "invalidVotes",
        "valid": "validVotes",
    }
    import_results(election, data, ResultsMapping(fields, guess.candidates))
    return f.MissionFactory(code="cdo-2017", election=election)


def whole(value: float) -> bool:
    return abs(value - round(value)) <= 0.05 + 1e-9


def test_forensics_page_on_albania(as_user, albania_mission):
    viewer = f.MembershipFactory(mission=albania_mission, role="viewer").user
    response = as_user(viewer).get(reverse("pvt_results:forensics", args=[albania_mission.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "they prove nothing alone" in page
    assert response.context["winner"].name == "PS"

    # Kobak's filter and count, straight from the file (no ballots issued: ballots found).
    kept = observed = 0
    ps_counts = []
    for row in results_rows():
        registered, found, ps = int(row["zgjedhes"]), int(row["ballotsCast"]), int(row["ps"])
        ps_counts.append(ps)
        if found <= 0 or registered < 100:
            continue
        turnout, share = 100 * found / registered, 100 * ps / found
        if turnout > 99 or share > 99:
            continue
        kept += 1
        observed += whole(turnout) or whole(share)
    integer = response.context["integer"]
    assert (integer.stations, integer.observed) == (kept, observed)
    assert integer.sd > 0 and integer.expected > 0
    assert f"{integer.observed}" in page

    [ps_second, pd_second] = response.context["second_digits"]
    assert ps_second.subject == "PS" and pd_second.subject == "PD"
    assert ps_second.test.n == sum(1 for n in ps_counts if n >= 10)
    second = [0] * 10
    for n in ps_counts:
        if n >= 10:
            second[int(str(n)[1])] += 1
    assert list(ps_second.test.observed) == second
    assert "low power" in page


def test_forensics_page_without_results(as_user, viewer, mission):
    response = as_user(viewer).get(reverse("pvt_results:forensics", args=[mission.code]))
    assert response.status_code == 200
    assert "No official results" in response.content.decode()
