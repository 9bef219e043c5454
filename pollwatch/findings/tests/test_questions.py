"""Findings per question on small hand-made data: what counts, by area, and the pages.

The tree (levels in brackets):

    KG [country]
      R1 [region]: D1 [district] (stations s1, s2), D2 [district] (s3)
      R2 [region]: D3 [district] (s4, s5), and s6 directly in R2

Reports go through submit_report, the form through the XLSForm upload, so that the
`finding` column and the answers are what the real paths store.
"""

import json
import math
import uuid
from dataclasses import dataclass

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from pollwatch.checklists.models import Form
from pollwatch.checklists.services import import_form
from pollwatch.checklists.testing import make_xlsform
from pollwatch.elections.models import Area, PollingStation
from pollwatch.findings import questions
from pollwatch.missions.models import Mission
from pollwatch.reports import services
from pollwatch.reports.models import Report
from pollwatch.reports.testing import deploy, make_form, make_observer
from pollwatch.reports.testing import question as spec_question
from pollwatch.testing import factories as f

Z = 1.959963984540054
SURVEY = [
    {"type": "select_one overall", "name": "overall", "label::English (en)": "Overall"},
    {"type": "select_multiple issues", "name": "issues", "label::English (en)": "Issues"},
    {"type": "integer", "name": "voters", "label::English (en)": "Voters"},
    {"type": "decimal", "name": "hours", "label::English (en)": "Hours"},
    {"type": "text", "name": "remarks", "label::English (en)": "Remarks"},
]
CHOICES = [
    ("overall", "good", "Good", "positive"),
    ("overall", "bad", "Bad", "negative"),
    ("overall", "awful", "Awful", "Negative"),  # the column is read case-insensitively
    ("overall", "dk", "No answer", "no_answer"),
    ("overall", "closed", "Closed", "not_applicable"),
    ("issues", "queue", "Queue", ""),
    ("issues", "violence", "Violence", ""),
    ("issues", "none", "Nothing", ""),
    ("issues", "dk", "No answer", "no_answer"),
]


def _xlsform(form_id: str = "opening") -> bytes:
    choices = [
        {"list_name": ln, "name": value, "label::English (en)": label, "finding": finding}
        for ln, value, label, finding in CHOICES
    ]
    return make_xlsform(SURVEY, choices, {"form_id": form_id, "form_title": "Opening"})


@dataclass
class World:
    mission: Mission
    form: Form
    stations: dict
    observers: list

    def submit(self, observer_index: int, station: str, **answers):
        """A report of observer `observer_index` at the station, through submit_report."""
        form_version = self.form.current_version
        assert form_version is not None
        payload = {
            "instance_id": str(uuid.uuid4()),
            "form": self.form.code,
            "form_version": form_version.version,
            "station": station,
            "observed_at": "2017-10-15T08:05:00+06:00",
            "answers": answers,
        }
        result = services.submit_report(
            user=None,
            payload=payload,
            channel="import",
            mission=self.mission,
            reporter=self.observers[observer_index],
        )
        return result.report

    def findings(self, **kwargs):
        self.form.refresh_from_db()
        return questions.form_findings(self.mission, self.form, **kwargs)


def _area(election, code, level, parent=None):
    return Area.objects.create(
        election=election, code=code, name=f"Area {code}", level=level, parent=parent
    )


@pytest.fixture
def world(mission):
    election = mission.election
    root = _area(election, "KG", "country")
    r1, r2 = _area(election, "R1", "region", root), _area(election, "R2", "region", root)
    d1, d2, d3 = (
        _area(election, "D1", "district", r1),
        _area(election, "D2", "district", r1),
        _area(election, "D3", "district", r2),
    )
    places = {"s1": d1, "s2": d1, "s3": d2, "s4": d3, "s5": d3, "s6": r2}
    stations = {
        code: PollingStation.objects.create(
            election=election, code=code, name=code, area=area, registered_voters=1000
        )
        for code, area in places.items()
    }
    form = import_form(mission, _xlsform(), "opening.xlsx", kind=Form.Kind.OPENING).form
    observers = [make_observer(mission) for _ in range(3)]
    for observer in observers:
        deploy(observer, *stations.values())
    return World(mission, form, stations, observers)


def _question(findings, name):
    return next(q for q in findings["questions"] if q["name"] == name)


def _choice(summary, value):
    return next(c for c in summary["choices"] if c["value"] == value)


# --- what counts ------------------------------------------------------------------------


def test_observations_count_every_report_but_rejected_ones(world, coordinator):
    world.submit(0, "s1", overall="bad")
    world.submit(1, "s1", overall="bad")  # a second team at the same station counts again
    world.submit(0, "s2", overall="good")
    world.submit(0, "s3", overall="dk")  # no answer: out of the denominator
    world.submit(0, "s4", overall="closed")  # not applicable: out too
    world.submit(0, "s5", overall="awful")
    rejected = world.submit(1, "s2", overall="awful")
    services.decide_report(rejected, status=Report.Status.REJECTED, user=coordinator)
    world.submit(2, "s6", voters=10)  # did not answer the question at all

    findings = world.findings()
    assert findings["sample"] is False
    assert findings["units"] == 7
    assert [note["code"] for note in findings["notes"]] == ["not_random"]
    overall = _question(findings, "overall")
    assert overall["assessment"] is True
    summary = overall["overall"]
    assert summary["answered"] == 4
    assert summary["excluded"] == {"no_answer": 1, "not_applicable": 1}
    assert [(c["value"], c["count"]) for c in summary["choices"]] == [
        ("good", 1),
        ("bad", 2),
        ("awful", 1),
    ]
    assert _choice(summary, "bad")["share"] == pytest.approx(2 / 4)
    assert summary["negative"]["count"] == 3
    assert summary["negative"]["share"] == pytest.approx(3 / 4)
    # No margin for a deployment that is not random.
    assert summary["negative"]["estimate"] is None
    assert _choice(summary, "bad")["estimate"] is None
    # Not summarised: text. Not an assessment: a list without a negative choice.
    assert [q["name"] for q in findings["questions"]] == ["overall", "issues", "voters", "hours"]
    assert _question(findings, "issues")["assessment"] is False


def test_select_multiple_counts_each_choice_over_the_answered(world):
    world.submit(0, "s1", issues=["queue", "violence"])
    world.submit(0, "s2", issues=["queue"])
    world.submit(0, "s3", issues=["dk"])
    world.submit(0, "s4", issues=["queue", "dk"])  # includes no answer: left out
    world.submit(0, "s5", overall="good")

    summary = _question(world.findings(), "issues")["overall"]
    assert summary["answered"] == 2
    assert summary["excluded"] == {"no_answer": 2}
    counts = {c["value"]: (c["count"], c["share"]) for c in summary["choices"]}
    assert counts == {"queue": (2, 1.0), "violence": (1, 0.5), "none": (0, 0.0)}


def test_numbers_count_mean_min_max(world):
    world.submit(0, "s1", voters=100, hours="2.5")
    world.submit(0, "s2", voters=300, hours="3.25")
    world.submit(0, "s3", voters=200)
    world.submit(0, "s4", overall="good")

    findings = world.findings()
    voters = _question(findings, "voters")["overall"]["number"]
    assert (voters["count"], voters["mean"], voters["min"], voters["max"]) == (3, 200, 100, 300)
    hours = _question(findings, "hours")["overall"]["number"]
    assert (hours["count"], hours["mean"], hours["min"], hours["max"]) == (2, 2.875, 2.5, 3.25)


# --- by area ----------------------------------------------------------------------------


def test_by_area_at_each_level(world):
    world.submit(0, "s1", overall="bad")
    world.submit(0, "s2", overall="good")
    world.submit(0, "s3", overall="good")
    world.submit(0, "s4", overall="bad")
    world.submit(0, "s6", overall="awful")  # in R2 itself, under no district

    # The default: the top level under the root (the country is a single area).
    findings = world.findings()
    assert findings["levels"] == ["country", "region", "district"]
    assert findings["level"] == "region"
    areas = {a["code"]: a for a in _question(findings, "overall")["areas"]}
    assert set(areas) == {"R1", "R2"}
    assert (areas["R1"]["answered"], areas["R1"]["negative"]["count"]) == (3, 1)
    assert (areas["R2"]["answered"], areas["R2"]["negative"]["count"]) == (2, 2)
    assert findings["outside_areas"] == 0

    findings = world.findings(level="district")
    areas = {a["code"]: a for a in _question(findings, "overall")["areas"]}
    assert {code: a["answered"] for code, a in areas.items()} == {"D1": 2, "D2": 1, "D3": 1}
    assert _choice(areas["D1"], "bad")["share"] == pytest.approx(0.5)
    assert findings["outside_areas"] == 1  # s6 lies in no district

    findings = world.findings(level="country")
    (country,) = _question(findings, "overall")["areas"]
    assert country["answered"] == 5

    with pytest.raises(questions.UnknownLevel):
        world.findings(level="province")
    with pytest.raises(questions.UnknownQuestion):
        world.findings(question="remarks")


def test_a_level_at_two_depths(world):
    """Area.level is free text: a level may sit at two depths of an uneven tree."""
    election = world.mission.election
    r2 = Area.objects.get(election=election, code="R2")
    island = _area(election, "I1", "district", None)  # a district with no region above it
    PollingStation.objects.create(
        election=election, code="s7", name="s7", area=island, registered_voters=1
    )
    Area.objects.filter(pk=r2.pk).update(level="district")  # R2 also called a district
    for observer in world.observers:
        deploy(observer, PollingStation.objects.get(code="s7"))
    world.submit(0, "s7", overall="bad")
    world.submit(0, "s4", overall="good")
    world.submit(0, "s1", overall="good")

    areas = {
        a["code"]: a["answered"]
        for a in _question(world.findings(level="district"), "overall")["areas"]
    }
    # s4 is in D3 (depth 2) under R2 (depth 1, also "district"): the shallower one wins.
    assert areas == {"D1": 1, "D2": 0, "D3": 0, "I1": 1, "R2": 1}


# --- a random sample --------------------------------------------------------------------


def test_a_sample_counts_each_station_once(world, coordinator):
    form = world.form
    form.is_sample = True
    form.save(update_fields=["is_sample"])
    verified = world.submit(0, "s1", overall="bad")
    world.submit(1, "s1", overall="good")  # newer, but the verified report wins
    services.decide_report(verified, status=Report.Status.VERIFIED, user=coordinator)
    world.submit(0, "s2", overall="good")
    world.submit(1, "s2", overall="awful")  # the most recent report of s2
    rejected = world.submit(0, "s3", overall="bad")
    services.decide_report(rejected, status=Report.Status.REJECTED, user=coordinator)
    world.submit(0, "s4", overall="good")
    world.submit(0, "s4", overall="bad")  # the same report again: its latest version counts

    findings = world.findings()
    assert findings["units"] == 3
    assert findings["population"] == 6
    summary = _question(findings, "overall")["overall"]
    assert summary["answered"] == 3
    negative = summary["negative"]
    assert negative["count"] == 3  # s1 bad (verified), s2 awful (latest), s4 bad (latest version)
    assert negative["estimate"]["value"] == 1.0
    assert [note["code"] for note in findings["notes"]] == ["simple_random"]


def test_an_unstratified_sample_has_the_finite_population_margin(world):
    form = world.form
    form.is_sample = True
    form.save(update_fields=["is_sample"])
    answers = {"s1": "bad", "s2": "good", "s3": "good", "s4": "good", "s5": "good"}
    for station, answer in answers.items():
        world.submit(0, station, overall=answer)

    estimate = _question(world.findings(), "overall")["overall"]["negative"]["estimate"]
    p, n, big_n = 1 / 5, 5, 6
    assert estimate["value"] == pytest.approx(p)
    assert estimate["margin"] == pytest.approx(
        Z * math.sqrt((big_n - n) / (big_n - 1) * p * (1 - p) / n)
    )
    assert estimate["method"] == "wilson"  # 1 negative answer: far under 10


def test_a_stratified_sample_weights_each_stratum_by_its_stations(world):
    form = world.form
    form.is_sample, form.stratum_level = True, "region"
    form.save(update_fields=["is_sample", "stratum_level"])
    world.submit(0, "s1", overall="bad")
    world.submit(0, "s2", overall="good")
    world.submit(0, "s4", overall="bad")
    world.submit(0, "s6", overall="bad")
    world.submit(0, "s5", overall="dk")

    findings = world.findings(level="district")
    summary = _question(findings, "overall")["overall"]
    # R1: N = 3 stations, n = 2 answered, 1 negative; R2: N = 3, n = 2, 2 negative.
    # p = .5 * 1/2 + .5 * 2/2 = .75; V = .25 (1 - 2/3) (.5 * .5) / 1 + .25 (1 - 2/3) * 0.
    estimate = summary["negative"]["estimate"]
    assert estimate["value"] == pytest.approx(0.75)
    assert estimate["se"] == pytest.approx(math.sqrt(0.25 * (1 / 3) * 0.25))
    assert estimate["population"] == 6
    assert [note["code"] for note in findings["notes"]] == ["stratified"]
    # By district, each district's part of its region is its own stratum: D1 (2 stations,
    # both answered) holds R1's answers; D3 (2 stations, s4 answered): 1 of 1 negative.
    areas = {a["code"]: a for a in _question(findings, "overall")["areas"]}
    assert areas["D1"]["negative"]["estimate"]["value"] == pytest.approx(0.5)
    assert areas["D1"]["negative"]["estimate"]["method"] == "census"  # both stations answered
    assert areas["D2"]["negative"]["estimate"]["value"] is None
    assert areas["D3"]["negative"]["estimate"]["value"] == pytest.approx(1.0)


def test_a_stratum_level_the_election_lacks_is_one_stratum(world):
    form = world.form
    form.is_sample, form.stratum_level = True, "province"
    form.save(update_fields=["is_sample", "stratum_level"])
    world.submit(0, "s1", overall="bad")
    findings = world.findings()
    assert findings["stratified"] is False
    assert [note["code"] for note in findings["notes"]] == ["simple_random", "unknown_strata"]


def test_a_form_without_the_finding_column_still_works(mission):
    area = f.AreaFactory(election=mission.election)
    station = f.PollingStationFactory(area=area, code="1001")
    form_version = make_form(
        mission, "voting", spec_question("queue", "select_one", choices=["yes", "no"])
    )
    observer = make_observer(mission)
    deploy(observer, station)
    services.submit_report(
        user=None,
        payload={
            "instance_id": str(uuid.uuid4()),
            "form": "voting",
            "form_version": "1",
            "station": "1001",
            "observed_at": "2017-10-15T08:05:00+06:00",
            "answers": {"queue": "no"},
        },
        channel="import",
        mission=mission,
        reporter=observer,
    )
    findings = questions.form_findings(mission, form_version.form)
    (queue,) = findings["questions"]
    assert queue["assessment"] is False
    assert [(c["value"], c["count"]) for c in queue["overall"]["choices"]] == [
        ("yes", 0),
        ("no", 1),
    ]
    assert queue["overall"]["answered"] == 1
    assert questions.form_headlines(mission, form_version.form) == []


# --- the dict and its template -----------------------------------------------------------


def test_the_template_needs_nothing_but_the_dict(world):
    form = world.form
    form.is_sample, form.stratum_level = True, "region"
    form.save(update_fields=["is_sample", "stratum_level"])
    world.submit(0, "s1", overall="bad", issues=["queue"], voters=12)
    world.submit(0, "s4", overall="good", voters=30)
    findings = world.findings()

    stored = json.loads(json.dumps(findings))  # what a Release keeps
    assert stored == findings
    rendered = render_to_string("findings/_form_findings.html", {"findings": stored})
    assert rendered == render_to_string("findings/_form_findings.html", {"findings": findings})
    assert 'id="q-overall"' in rendered and "Overall" in rendered
    assert '<tr data-area="R1">' in rendered


def test_numbers_follow_the_locale(world):
    world.submit(0, "s1", overall="bad")
    world.submit(0, "s2", overall="good")
    world.submit(0, "s3", overall="good")
    findings = world.findings()
    with translation.override("ru"):
        rendered = render_to_string("findings/_form_findings.html", {"findings": findings})
    assert "33,333 %" in rendered
    with translation.override("en"):
        rendered = render_to_string("findings/_form_findings.html", {"findings": findings})
    assert "33.333 %" in rendered


# --- the pages ----------------------------------------------------------------------------


def _urls(world):
    code, form = world.mission.code, world.form.code
    return [
        reverse("findings_questions:index", args=[code]),
        reverse("findings_questions:form", args=[code, form]),
        reverse("findings_questions:question", args=[code, form, "overall"]),
    ]


@pytest.mark.parametrize("persona", ["coordinator", "analyst"])
def test_the_core_team_reads_the_pages(world, persona, request, as_user):
    world.submit(0, "s1", overall="bad")
    client = as_user(request.getfixturevalue(persona))
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
    response = client.get(_urls(world)[1], {"level": "district"})
    assert '<tr data-area="D1">' in response.content.decode()
    response = client.get(_urls(world)[0])
    assert "assessed negatively in 100.0 % of 1 observations" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("observer", 403),
        ("viewer", 403),
        ("data_clerk", 403),
        ("other_mission_observer", 404),
        ("other_coordinator", 404),
        ("outsider", 404),
    ],
)
def test_findings_are_under_embargo(world, persona, status, request, as_user):
    client = as_user(request.getfixturevalue(persona))
    for url in _urls(world):
        assert client.get(url).status_code == status, url


def test_anonymous_visitors_sign_in_first(world, client):
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_unknown_form_question_or_level_is_404(world, coordinator, as_user):
    client = as_user(coordinator)
    code = world.mission.code
    assert client.get(reverse("findings_questions:form", args=[code, "nope"])).status_code == 404
    url = reverse("findings_questions:question", args=[code, world.form.code, "remarks"])
    assert client.get(url).status_code == 404
    url = reverse("findings_questions:form", args=[code, world.form.code])
    assert client.get(url, {"level": "province"}).status_code == 404
