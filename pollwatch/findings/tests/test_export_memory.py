"""The streamed CSV never holds every report: peak memory against holding them.

6,000 reports are bulk-written (this is about reading them). The CSV export, in
chunks of 500, must peak far below the memory the same rows take once loaded,
measured in the same run with tracemalloc: what it holds is bounded by the chunk,
not by the number of reports. The spreadsheet at 20,000 reports and more is
measured by bench/findings_exports.py (openpyxl's writer is too slow under
tracemalloc for the test suite).
"""

import csv
import io
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import OuterRef, Subquery

from pollwatch.findings import exports
from pollwatch.reports.models import Report, ReportVersion
from pollwatch.reports.testing import make_form, make_observer, question
from pollwatch.testing import factories as f

from .test_exports import OBSERVED, RECEIVED

REPORTS = 6_000
CHUNK = 500
QUESTIONS = [question(f"q{n}", "integer") for n in range(4)] + [
    question("opened", "select_one", choices=["yes", "no"]),
    question("comment", "text"),
]


def answers(n: int) -> dict[str, Any]:
    return {
        **{f"q{k}": n * 10 + k for k in range(4)},
        "opened": "yes" if n % 3 else "no",
        "comment": f"Report number {n} with a comment of ordinary length",
    }


@pytest.fixture
def many_reports(mission):
    form_version = make_form(mission, "voting", *QUESTIONS)
    form = form_version.form
    station: Any = f.PollingStationFactory(
        area=f.AreaFactory(election=mission.election), code="1001"
    )
    observer = make_observer(mission, code="1234")
    Report.objects.bulk_create(
        (
            Report(
                mission=mission,
                form=form,
                observer=observer,
                station=station,
                visit=n + 1,
                is_checklist=True,
                observed_at=OBSERVED,
                created_at=RECEIVED,
            )
            for n in range(REPORTS)
        ),
        batch_size=2000,
    )
    pks = Report.objects.filter(form=form).order_by("pk").values_list("pk", flat=True)
    ReportVersion.objects.bulk_create(
        (
            ReportVersion(
                report_id=pk,
                number=1,
                form_version=form_version,
                answers=answers(n),
                content_hash="x",
                observed_at=OBSERVED,
                channel="import",
            )
            for n, pk in enumerate(pks)
        ),
        batch_size=2000,
    )
    first = ReportVersion.objects.filter(report=OuterRef("pk")).values("pk")[:1]
    Report.objects.filter(form=form).update(current=Subquery(first))
    return form


def peak_bytes(work: Callable[[], Any]) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        result = work()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_streamed_csv_stays_far_below_holding_the_reports(many_reports):
    form = many_reports
    # What an export that loaded every report first would hold: the rows, as values.
    holding, rows = peak_bytes(lambda: list(exports.report_values(form)))
    assert len(rows) == REPORTS
    del rows

    def stream() -> tuple[int, bytes, bytes]:
        layout = exports.layout_for(form, labels=False, language="en")
        lines, first, last = 0, b"", b""
        for piece in exports.csv_chunks(
            form, layout, excel=True, chunks=exports.streamed_rows(form, CHUNK)
        ):
            lines += piece.count(b"\n")
            first = first or piece[:2000]
            last = piece or last
        return lines, first, last

    streaming, (lines, first, last) = peak_bytes(stream)
    assert lines == REPORTS + 1
    header = next(csv.reader(io.StringIO(first.decode("utf-8-sig"))))
    assert header[-6:] == [q["name"] for q in QUESTIONS]
    last_answers = answers(REPORTS - 1)
    expected_end = ",".join(str(last_answers[q["name"]]) for q in QUESTIONS)
    assert last.decode().splitlines()[-1].endswith(expected_end)
    # Twelve chunks: bounded by one chunk (and the text buffer), not by every report.
    assert streaming < holding / 4, (streaming, holding)
