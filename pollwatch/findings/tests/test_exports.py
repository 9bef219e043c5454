"""Exports of a form's reports: CSV streamed, XLSX built by the background task.

Reports are written straight into the tables (the submission path has its own tests),
with fixed times, so every expected cell below is written out by hand.
"""

import csv
import datetime as dt
import io
import uuid

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from pollwatch.findings import exports, tasks
from pollwatch.findings.models import Export
from pollwatch.reports.models import Flag, Report, ReportVersion
from pollwatch.reports.testing import make_form, make_observer, question
from pollwatch.testing import factories as f

UTC = dt.UTC
OBSERVED = dt.datetime(2017, 10, 15, 2, 5, tzinfo=UTC)  # 08:05 in Bishkek (+06:00)
RECEIVED = dt.datetime(2017, 10, 15, 2, 20, 30, tzinfo=UTC)  # 08:20:30 in Bishkek

FIXED = [
    "report",
    "station",
    "area_code",
    "area",
    "observer",
    "status",
    "flags",
    "observed_at",
    "received_at",
    "version",
]


def labelled(name, type_, choices, labels, **extra):
    """A question whose choices carry English and Russian labels."""
    made = question(name, type_, choices=choices, **extra)
    made["choices"] = [
        {"value": value, "label": {"en": en, "ru": ru}}
        for value, (en, ru) in zip(choices, labels, strict=True)
    ]
    return made


def voting_questions():
    return [
        labelled("opened", "select_one", ["yes", "no"], [("Yes", "Да"), ("No", "Нет")]),
        labelled(
            "problems",
            "select_multiple",
            ["queue", "ink", "police"],
            [("Long queue", "Очередь"), ("No ink", "Нет чернил"), ("Police inside", "Полиция")],
        ),
        question("intro", "note"),
        question("voters", "integer"),
        question("share", "decimal"),
        question("comment", "text"),
    ]


@pytest.fixture
def station(election):
    region = f.AreaFactory(election=election, code="CHU", name="Chuy")
    return f.PollingStationFactory(area=region, code="1001")


@pytest.fixture
def voting(mission):
    return make_form(mission, "voting", *voting_questions())


@pytest.fixture
def observer_row(mission):
    return make_observer(mission, code="1234")


def add_report(form_version, observer, station, *answers, **fields):
    """A report with one version per answers dict, the last one current."""
    form = form_version.form
    report = Report.objects.create(
        mission=form.mission,
        form=form,
        observer=observer,
        station=station,
        is_checklist=form.is_checklist,
        observed_at=fields.pop("observed_at", OBSERVED),
        created_at=fields.pop("created_at", RECEIVED),
        **fields,
    )
    for number, content in enumerate(answers, start=1):
        version = ReportVersion.objects.create(
            report=report,
            number=number,
            form_version=form_version,
            answers=content,
            content_hash=f"hash-{number}",
            observed_at=OBSERVED,
            channel="web",
        )
    report.current = version
    report.save(update_fields=["current"])
    return report


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def reports_csv_url(mission, form, **params):
    url = reverse("findings_exports:reports_csv", args=[mission.code, form.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


FULL = {
    "opened": "no",
    "problems": ["queue", "police"],
    "voters": 420,
    "share": "0.25",
    "comment": '=HYPERLINK("http://x")',
}


# --- CSV --------------------------------------------------------------------------------


def test_csv_has_one_column_per_question_in_form_order_with_codes(
    as_user, coordinator, mission, voting, station, observer_row
):
    report = add_report(voting, observer_row, station, {"opened": "yes"}, FULL)
    response = as_user(coordinator).get(reports_csv_url(mission, voting.form))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="odihr-test-voting-codes.csv"' in response["Content-Disposition"]
    header, row = csv_rows(response)
    # The note carries no answer and has no column.
    assert header == [*FIXED, "opened", "problems", "voters", "share", "comment"]
    assert row == [
        str(report.uuid),
        "1001",
        "CHU",
        "Chuy",
        "1234",
        "new",
        "",
        "2017-10-15T08:05:00+06:00",
        "2017-10-15T08:20:30+06:00",
        "2",
        "no",
        "queue police",
        "420",
        "0.25",
        '=HYPERLINK("http://x")',
    ]


def test_csv_with_labels_in_the_language_of_the_page(
    as_user, analyst, mission, voting, station, observer_row
):
    add_report(voting, observer_row, station, FULL)
    client = as_user(analyst)
    header, row = csv_rows(client.get(reports_csv_url(mission, voting.form, labels=1)))
    assert row[header.index("opened")] == "No"
    assert row[header.index("problems")] == "Long queue; Police inside"
    response = client.get(
        reports_csv_url(mission, voting.form, labels=1), headers={"accept-language": "ru"}
    )
    header, row = csv_rows(response)
    assert row[header.index("opened")] == "Нет"
    assert row[header.index("problems")] == "Очередь; Полиция"
    assert 'filename="odihr-test-voting-labels.csv"' in response["Content-Disposition"]


def test_csv_for_excel_starts_with_a_bom_and_defuses_formulas(
    as_user, coordinator, mission, voting, station, observer_row
):
    add_report(voting, observer_row, station, FULL)
    client = as_user(coordinator)
    plain = b"".join(client.get(reports_csv_url(mission, voting.form)).streaming_content)
    excel = b"".join(client.get(reports_csv_url(mission, voting.form, excel=1)).streaming_content)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"))))
    assert rows[0][0] == "report"
    assert rows[1][rows[0].index("comment")] == '\'=HYPERLINK("http://x")'
    # Numbers are not text: a negative one keeps its sign.
    assert exports.csv_text(-3, excel=True) == "-3"
    assert exports.csv_text("-3", excel=True) == "'-3"


def test_csv_flags_status_and_unanswered_questions(
    as_user, coordinator, mission, voting, station, observer_row
):
    flagged = add_report(voting, observer_row, station, {"opened": "yes"}, status="flagged")
    Flag.objects.create(report=flagged, kind=Flag.Kind.QUALITY_CHECK, code="ballots_add_up")
    Flag.objects.create(report=flagged, kind=Flag.Kind.QUALITY_CHECK, code="other")
    Flag.objects.create(report=flagged, kind=Flag.Kind.UNREGISTERED_PHONE, resolved_at=RECEIVED)
    other = make_observer(mission, code="5678")
    conflicting = add_report(voting, other, station, {"opened": "no"}, in_conflict=True)
    rows = csv_rows(as_user(coordinator).get(reports_csv_url(mission, voting.form)))
    by_uuid = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    first, second = by_uuid[str(flagged.uuid)], by_uuid[str(conflicting.uuid)]
    assert (first["status"], first["flags"], first["version"]) == ("flagged", "quality_check", "1")
    assert (first["opened"], first["problems"], first["voters"]) == ("yes", "", "")
    assert second["flags"] == "conflict"
    assert second["observer"] == "5678"


def test_csv_keeps_questions_only_older_versions_asked(
    as_user, coordinator, mission, station, observer_row
):
    old = make_form(mission, "voting", question("queue", "integer"), question("ink", "text"))
    add_report(old, observer_row, station, {"queue": 5, "ink": "none"})
    make_form(
        mission,
        "voting",
        question("opened", "select_one", choices=["yes"]),
        question("queue", "integer"),
        version="2",
    )
    rows = csv_rows(as_user(coordinator).get(reports_csv_url(mission, old.form)))
    assert rows[0][len(FIXED) :] == ["opened", "queue", "ink"]
    assert rows[1][len(FIXED) :] == ["", "5", "none"]


def test_csv_of_an_incident_form_without_station(as_user, coordinator, mission, observer_row):
    incident = make_form(mission, "incident", question("description", "text"))
    add_report(incident, observer_row, None, {"description": "Ballot stuffing"})
    rows = csv_rows(as_user(coordinator).get(reports_csv_url(mission, incident.form)))
    assert len(rows) == 2
    assert rows[1][1:4] == ["", "", ""]
    assert rows[1][-1] == "Ballot stuffing"


def test_csv_leaves_out_the_other_forms_and_missions(
    as_user, coordinator, mission, other_mission, voting, station, observer_row
):
    add_report(voting, observer_row, station, {"opened": "yes"})
    other_form = make_form(mission, "opening", question("opened", "select_one", choices=["yes"]))
    add_report(other_form, observer_row, station, {"opened": "yes"})
    theirs = make_form(other_mission, "voting", *voting_questions())
    add_report(theirs, make_observer(other_mission, code="9999"), station, {"opened": "no"})
    rows = csv_rows(as_user(coordinator).get(reports_csv_url(mission, voting.form)))
    assert [row[4] for row in rows[1:]] == ["1234"]


@pytest.mark.parametrize("persona", ["viewer", "observer", "data_clerk"])
def test_csv_is_for_the_core_team_only(request, as_user, mission, voting, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(reports_csv_url(mission, voting.form)).status_code == 403


def test_csv_of_another_mission_is_not_found(
    as_user, other_coordinator, coordinator, mission, other_mission, voting
):
    assert as_user(other_coordinator).get(reports_csv_url(mission, voting.form)).status_code == 404
    # A form code of the other mission through one's own mission: also not found.
    theirs = make_form(other_mission, "counting", question("x", "integer"))
    response = as_user(coordinator).get(reports_csv_url(mission, theirs.form))
    assert response.status_code == 404


def test_export_pages_need_a_login(client, mission, voting):
    response = client.get(reports_csv_url(mission, voting.form))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- XLSX -------------------------------------------------------------------------------


def request_xlsx(client, mission, form, labels=False):
    url = reverse("findings_exports:request_xlsx", args=[mission.code, form.code])
    return client.post(url, {"labels": "1" if labels else "0"})


def test_xlsx_is_built_in_the_background_and_downloaded(
    as_user, coordinator, mission, voting, station, observer_row
):
    report = add_report(voting, observer_row, station, FULL)
    second = add_report(
        voting, make_observer(mission, code="5678"), station, {"opened": "yes", "voters": 7}
    )
    client = as_user(coordinator)
    response = request_xlsx(client, mission, voting.form)
    export = Export.objects.get()
    status_url = reverse("findings_exports:export", args=[mission.code, export.uuid])
    assert response.status_code == 302 and response["Location"] == status_url
    # The tests' task backend runs the task at once.
    assert (export.status, export.rows_done, export.rows_total) == ("done", 2, 2)
    assert export.requested_by == coordinator and export.finished_at is not None
    assert export.file.name.startswith("exports/odihr-test-voting-")
    page = client.get(status_url).content.decode()
    download_url = reverse("findings_exports:download", args=[mission.code, export.uuid])
    assert download_url in page and "hx-trigger" not in page

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*FIXED, "opened", "problems", "voters", "share", "comment"]
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["report"] == str(report.uuid)
    assert first["observed_at"] == dt.datetime(2017, 10, 15, 8, 5)
    assert first["received_at"] == dt.datetime(2017, 10, 15, 8, 20, 30)
    assert (first["opened"], first["problems"], first["voters"]) == ("no", "queue police", 420)
    assert first["share"] == 0.25
    assert first["version"] == 1
    # Observers' text stays text, never a formula.
    assert first["comment"] == '=HYPERLINK("http://x")'
    comment_cell = sheet.cell(row=2, column=rows[0].index("comment") + 1)
    assert comment_cell.data_type == "s"
    assert rows[2][0] == str(second.uuid) and rows[2][rows[0].index("share")] is None


def test_xlsx_with_labels(as_user, coordinator, mission, voting, station, observer_row):
    add_report(voting, observer_row, station, FULL)
    client = as_user(coordinator)
    request_xlsx(client, mission, voting.form, labels=True)
    export = Export.objects.get()
    assert export.labels
    with export.file.open("rb") as content:
        sheet = openpyxl.load_workbook(content).active
        header, row = list(sheet.iter_rows(values_only=True))
    assert row[header.index("opened")] == "No"
    assert row[header.index("problems")] == "Long queue; Police inside"


def test_xlsx_progress_is_written_while_the_task_runs(
    monkeypatch, coordinator, mission, voting, station, observer_row
):
    for visit in range(1, 6):
        add_report(voting, observer_row, station, {"opened": "yes"}, visit=visit)
    export = Export.objects.create(mission=mission, form=voting.form, requested_by=coordinator)
    seen = []
    original = exports.export_rows

    def watched(*args, **kwargs):
        for row in original(*args, **kwargs):
            seen.append(Export.objects.values_list("status", "rows_done", "rows_total").get())
            yield row

    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(exports, "export_rows", watched)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)  # several pages of reports
    tasks.build_xlsx.call(str(export.uuid), "en")
    assert [done for _status, done, _total in seen] == [0, 0, 2, 2, 4]
    assert {(status, total) for status, _done, total in seen} == {("running", 5)}
    export.refresh_from_db()
    assert (export.status, export.rows_done) == ("done", 5)
    # The last progress recorded is the heartbeat a stalled export is told by.
    assert export.progress_at is not None and export.progress_at >= export.created_at


def test_progress_page_polls_while_the_export_runs(as_user, analyst, mission, voting):
    export = Export.objects.create(
        mission=mission,
        form=voting.form,
        requested_by=analyst,
        status=Export.Status.RUNNING,
        rows_done=250,
        rows_total=1000,
    )
    client = as_user(analyst)
    url = reverse("findings_exports:export", args=[mission.code, export.uuid])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and f'hx-get="{url}"' in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="export-bar" max="1000" value="250">' in page
    assert "250 of 1,000 reports written" in page
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="export-progress"')
    assert "<html" not in fragment and "every 2s" in fragment
    # Not finished: nothing to download yet.
    download = reverse("findings_exports:download", args=[mission.code, export.uuid])
    assert client.get(download).status_code == 404


def test_an_export_whose_worker_died_says_so_and_stops_polling(as_user, analyst, mission, voting):
    now = timezone.now()
    running = {"mission": mission, "form": voting.form, "requested_by": analyst}
    running |= {"status": Export.Status.RUNNING, "rows_done": 250, "rows_total": 1000}
    silent = now - Export.STALLED_AFTER - dt.timedelta(minutes=1)
    stalled = Export.objects.create(**running, created_at=silent, progress_at=silent)
    # Silent for less than STALLED_AFTER: still working, even if it began long ago.
    lively = Export.objects.create(
        **running, created_at=now - dt.timedelta(hours=1), progress_at=now - dt.timedelta(minutes=9)
    )
    client = as_user(analyst)
    url = reverse("findings_exports:export", args=[mission.code, stalled.uuid])
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page and "http-equiv" not in page
    assert "Stopped" in page and "250 of 1,000 reports written" in page
    assert "will not finish" in page
    assert reverse("findings_exports:index", args=[mission.code]) in page
    lively_url = reverse("findings_exports:export", args=[mission.code, lively.uuid])
    lively_page = client.get(lively_url).content.decode()
    assert 'hx-trigger="every 2s"' in lively_page and "Stopped" not in lively_page
    index = client.get(reverse("findings_exports:index", args=[mission.code])).content.decode()
    assert index.count("Stopped") == 1 and "Running" in index
    # Nothing was written by looking: the row stays as its task left it.
    stalled.refresh_from_db()
    assert (stalled.status, stalled.progress_at) == (Export.Status.RUNNING, silent)


def test_an_export_queued_for_long_asks_whether_a_worker_runs(as_user, analyst, mission, voting):
    queued = {"mission": mission, "form": voting.form, "requested_by": analyst}
    waiting = Export.objects.create(
        **queued, created_at=timezone.now() - Export.WAITING_LONG_AFTER - dt.timedelta(seconds=5)
    )
    just_now = Export.objects.create(**queued)
    client = as_user(analyst)
    pages = {
        export.pk: client.get(
            reverse("findings_exports:export", args=[mission.code, export.uuid])
        ).content.decode()
        for export in (waiting, just_now)
    }
    assert "pollwatch db_worker" in pages[waiting.pk]
    assert "pollwatch db_worker" not in pages[just_now.pk]
    # Both still wait for a worker: the pages keep asking.
    assert all('hx-trigger="every 2s"' in page for page in pages.values())


def test_a_failed_export_shows_its_error(
    monkeypatch, as_user, coordinator, mission, voting, station, observer_row
):
    add_report(voting, observer_row, station, FULL)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "layout_for", broken)
    client = as_user(coordinator)
    page = client.get(request_xlsx(client, mission, voting.form)["Location"]).content.decode()
    export = Export.objects.get()
    assert export.status == "failed" and export.error == "RuntimeError: disk full"
    assert "RuntimeError: disk full" in page and "hx-trigger" not in page
    assert not export.file


def test_exports_index_lists_forms_and_spreadsheets(as_user, coordinator, analyst, mission, voting):
    Export.objects.create(mission=mission, form=voting.form, requested_by=analyst)
    page = as_user(coordinator).get(reverse("findings_exports:index", args=[mission.code]))
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("findings_exports:reports_csv", args=[mission.code, "voting"]) in text
    assert reverse("findings_exports:request_xlsx", args=[mission.code, "voting"]) in text
    assert "analyst" in text and "Queued" in text


@pytest.mark.parametrize("persona", ["viewer", "observer", "data_clerk"])
def test_spreadsheets_are_for_the_core_team_only(
    request, as_user, analyst, mission, voting, persona
):
    export = Export.objects.create(mission=mission, form=voting.form, requested_by=analyst)
    client = as_user(request.getfixturevalue(persona))
    assert request_xlsx(client, mission, voting.form).status_code == 403
    for name in ("export", "download"):
        url = reverse(f"findings_exports:{name}", args=[mission.code, export.uuid])
        assert client.get(url).status_code == 403
    assert client.get(reverse("findings_exports:index", args=[mission.code])).status_code == 403
    assert Export.objects.count() == 1


def test_spreadsheets_of_another_mission_are_not_found(
    as_user, other_coordinator, coordinator, analyst, mission, voting
):
    export = Export.objects.create(
        mission=mission, form=voting.form, requested_by=analyst, status=Export.Status.DONE
    )
    client = as_user(other_coordinator)
    for name in ("export", "download"):
        url = reverse(f"findings_exports:{name}", args=[mission.code, export.uuid])
        assert client.get(url).status_code == 404
    assert request_xlsx(client, mission, voting.form).status_code == 404
    # Not a uuid, or no such export: not found either.
    mine = as_user(coordinator)
    for key in ("nope", uuid.uuid4()):
        url = reverse("findings_exports:export", args=[mission.code, key])
        assert mine.get(url).status_code == 404
    assert Export.objects.count() == 1
