"""Official results pages: totals, flagged rows, observers' protocols, forensics, import.

Official results are public facts of the election: every member of a mission that
observes it reads the totals, the flagged rows and the forensics (no embargo). The
comparison with observers' copies of the protocols reads the mission's own reports,
so it is for the core team, through reports/access.py. Only coordinators import.

The import is two steps without JavaScript: the upload is kept on disk under a random
token remembered in the session, the next page shows its first rows and a form that
says what each column is (pre-filled from the header), and confirming imports it.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

import numpy as np
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import F, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pollwatch.checklists.models import Form
from pollwatch.elections import results
from pollwatch.elections.import_views import CsvUploadForm, error_context
from pollwatch.elections.models import Candidate, Election
from pollwatch.elections.results import JsonCount, ResultTotals
from pollwatch.lib.csvio import ImportRejected
from pollwatch.missions import access
from pollwatch.missions.models import Membership
from pollwatch.pvt import quickcount
from pollwatch.pvt.stats import forensics
from pollwatch.reports import access as report_access
from pollwatch.reports.models import Report

PAGE_SIZE = 100
# Per-area tables show this many candidates (the national leaders) and "others".
AREA_CANDIDATES = 5
SESSION_KEY = "pvt_results_upload"
UPLOAD_DIR = "results-imports"
# An upload nobody confirmed is removed at the next upload after this long.
UPLOAD_MAX_AGE = dt.timedelta(days=1)
PREVIEW_ROWS = 8
CHART_WIDTH = 560
BAR_HEIGHT = 22


# --- Shared pieces ------------------------------------------------------------------------


@dataclass
class CandidateShare:
    candidate: Candidate
    votes: int
    share: Decimal | None


def ranked_candidates(
    election: Election, totals: ResultTotals, candidates: list[Candidate]
) -> list[CandidateShare]:
    """Candidates by official votes, most first, with their share on the legal base."""
    rows = [
        CandidateShare(c, totals.votes.get(c.pk, 0), totals.share(election, c.pk))
        for c in candidates
    ]
    return sorted(rows, key=lambda row: (-row.votes, row.candidate.ballot_number or 0))


def _context(membership: Membership, **extra: Any) -> dict[str, Any]:
    election = membership.mission.election
    return access.member_context(
        membership,
        "results",
        denominator_label=election.get_win_denominator_display(),
        can_compare=membership.is_core_team,
        **extra,
    )


# --- Totals ------------------------------------------------------------------------------


@dataclass
class AreaRow:
    totals: ResultTotals
    shares: list[Decimal | None]
    others: Decimal | None


def _depth(value: str | None, levels: list[tuple[int, str]]) -> int:
    depths = [depth for depth, _level in levels]
    try:
        depth = int(value or 0)
    except ValueError:
        depth = 0
    return depth if depth in depths else (depths[0] if depths else 0)


def _area_rows(election: Election, depth: int, shown: list[CandidateShare]) -> list[AreaRow]:
    rows = []
    for totals in results.official_totals_by_area(election, depth):
        shares = [totals.share(election, row.candidate.pk) for row in shown]
        base = totals.denominator(election)
        others_votes = sum(totals.votes.values()) - sum(
            totals.votes.get(row.candidate.pk, 0) for row in shown
        )
        others = Decimal(100 * others_votes) / Decimal(base) if base else None
        rows.append(AreaRow(totals, shares, others))
    return rows


def share_chart(election: Election, ranked: list[CandidateShare]) -> dict[str, Any]:
    """Horizontal bars of the shares, and the threshold line, in SVG coordinates."""
    bars = []
    for i, row in enumerate(ranked):
        share = float(row.share or 0)
        bars.append(
            {
                "y": i * BAR_HEIGHT + 4,
                "width": round(CHART_WIDTH * share / 100, 1),
                "share": row.share,
                "name": row.candidate.name,
                "text_x": round(CHART_WIDTH * share / 100, 1) + 4,
            }
        )
    return {
        "width": CHART_WIDTH + 60,
        "height": len(bars) * BAR_HEIGHT + 8,
        "bar_height": BAR_HEIGHT - 6,
        "bars": bars,
        "threshold_x": round(CHART_WIDTH * float(election.win_threshold) / 100, 1),
    }


@login_required
@require_GET
def totals(request: HttpRequest, mission_code: str) -> HttpResponse:
    """National and per-area official totals, with shares on the election's legal base."""
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    national = results.official_totals(election)
    candidates = list(access.candidates_for_election(election))
    ranked = ranked_candidates(election, national, candidates)
    levels = results.area_levels(election)
    depth = _depth(request.GET.get("depth"), levels)
    shown = ranked[:AREA_CANDIDATES]
    imported_at = results.results_for_election(election).aggregate(at=Max("imported_at"))["at"]
    leader = ranked[0] if ranked and national.stations else None
    context = _context(
        membership,
        national=national,
        ranked=ranked,
        leader=leader,
        leader_wins=bool(leader and leader.share and leader.share > election.win_threshold),
        chart=share_chart(election, ranked),
        levels=levels,
        depth=depth,
        shown=shown,
        area_rows=_area_rows(election, depth, shown) if national.stations and levels else [],
        imported_at=imported_at,
    )
    return TemplateResponse(request, "pvt/results.html", context)


# --- Flagged rows ------------------------------------------------------------------------


@login_required
@require_GET
def flagged(request: HttpRequest, mission_code: str) -> HttpResponse:
    """The official rows whose own arithmetic does not add up, with what is wrong."""
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    rows = (
        results.results_for_election(election)
        .filter(has_problems=True)
        .select_related("station__area")
        .order_by("station__code")
    )
    # Flagged rows are a handful per thousand stations; their problems are counted here.
    by_check = dict.fromkeys(results.CHECKS, 0)
    for problems in rows.values_list("problems", flat=True):
        for problem in problems:
            by_check[problem["check"]] = by_check.get(problem["check"], 0) + 1
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.described = [results.describe_problem(problem) for problem in row.problems]
    context = _context(
        membership,
        page=page,
        check_counts=[(results.CHECK_TITLES[c], n) for c, n in by_check.items() if n],
        total=page.paginator.count,
    )
    return TemplateResponse(request, "pvt/results_flagged.html", context)


# --- Observers' protocols against the official figures ----------------------------------


# (question name in the results form, OfficialResult field, label)
PROTOCOL_FIELDS = [
    ("registered_voters", "registered_voters", gettext_lazy("Registered voters")),
    ("ballots_issued", "ballots_issued", gettext_lazy("Ballots issued")),
    ("ballots_found", "ballots_found", gettext_lazy("Ballots found")),
    ("invalid", "invalid", gettext_lazy("Invalid ballots")),
    ("valid", "valid", gettext_lazy("Valid votes")),
]


def _observed(question: str) -> JsonCount:
    """The report's answer to an integer question (NULL if unanswered or not a count)."""
    return JsonCount("current__answers", question, guarded=True)


def _compared(reports: QuerySet[Report], candidates: list[Candidate]) -> tuple[QuerySet, list]:
    """Reports annotated with observer, official and difference per figure, and the keys."""
    keys = []
    annotations: dict[str, Any] = {}
    for name, official, label in PROTOCOL_FIELDS:
        annotations[f"o_{name}"] = _observed(name)
        annotations[f"f_{name}"] = F(f"station__official_result__{official}")
        keys.append((name, str(label)))
    for candidate in candidates:
        if candidate.ballot_number is None:
            continue
        # The results form convention (docs/statistics.md): c<ballot number>.
        key = f"cand{candidate.pk}"
        annotations[f"o_{key}"] = _observed(quickcount.candidate_key(candidate.ballot_number))
        annotations[f"f_{key}"] = JsonCount("station__official_result__votes", str(candidate.pk))
        keys.append((key, candidate.name))
    reports = reports.annotate(**annotations)
    reports = reports.annotate(**{f"d_{k}": F(f"o_{k}") - F(f"f_{k}") for k, _label in keys})
    return reports, keys


def _differences(report: Report, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for key, label in keys:
        diff = getattr(report, f"d_{key}")
        if diff:
            rows.append(
                {
                    "label": label,
                    "observed": getattr(report, f"o_{key}"),
                    "official": getattr(report, f"f_{key}"),
                    "difference": diff,
                }
            )
    return rows


def protocol_reports(membership: Membership) -> QuerySet[Report]:
    """The mission's copies of result protocols (reports of 'results' forms), not rejected."""
    return (
        report_access.reports_for_membership(membership)
        .filter(form__kind=Form.Kind.RESULTS, station__isnull=False, current__isnull=False)
        .exclude(status=Report.Status.REJECTED)
    )


@login_required
@require_GET
def compare(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Station by station: observers' copies of the protocol against the official figures."""
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    reports = protocol_reports(membership)
    candidates = list(access.candidates_for_election(election))
    compared, keys = _compared(reports.filter(station__official_result__isnull=False), candidates)
    differs = reduce(
        or_, (Q(**{f"d_{k}__gt": 0}) | Q(**{f"d_{k}__lt": 0}) for k, _label in keys), Q(pk=None)
    )
    differing = compared.filter(differs)
    show_all = request.GET.get("show") == "all"
    station = request.GET.get("station", "").strip()
    listed = compared if show_all else differing
    if station:
        listed = listed.filter(station__code__istartswith=station)
    listed = listed.select_related("station__area", "observer").order_by("station__code", "pk")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        report.differences = _differences(report, keys)
    counts = {
        "reports": reports.count(),
        "compared": compared.count(),
        "differing": differing.count(),
    }
    counts["without_official"] = counts["reports"] - counts["compared"]
    counts["agreeing"] = counts["compared"] - counts["differing"]
    context = _context(membership, page=page, counts=counts, show_all=show_all, station=station)
    return TemplateResponse(request, "pvt/results_compare.html", context)


# --- Forensics ------------------------------------------------------------------------------


DIGIT_CHART_WIDTH = 300
DIGIT_CHART_HEIGHT = 120


@dataclass
class DigitRow:
    subject: str
    test: forensics.DigitTest
    caveat: str

    @property
    def digits(self) -> list[dict[str, Any]]:
        """Each digit's count against the count expected, and its bar in SVG units."""
        n = max(self.test.n, 1)
        shares = [float(self.test.observed[d]) / n for d in range(10)]
        expected = [float(self.test.expected[d]) for d in range(10)]
        top = max([*shares, *expected, 0.01])
        slot = DIGIT_CHART_WIDTH / 10
        rows = []
        for d in range(10):
            height = round(DIGIT_CHART_HEIGHT * shares[d] / top, 1)
            rows.append(
                {
                    "digit": d,
                    "observed": int(self.test.observed[d]),
                    "expected": expected[d] * self.test.n,
                    "x": round(d * slot + 3, 1),
                    "width": round(slot - 6, 1),
                    "x2": round(d * slot + slot - 3, 1),
                    "y": round(DIGIT_CHART_HEIGHT - height, 1),
                    "height": height,
                    "expected_y": round(DIGIT_CHART_HEIGHT * (1 - expected[d] / top), 1),
                    "label_x": round(d * slot + slot / 2, 1),
                }
            )
        return rows


def forensic_arrays(election: Election, leaders: list[Candidate]) -> dict[str, np.ndarray]:
    """Per-station figures as arrays, one query (stations with no ballots left in)."""
    names = [f"lead{c.pk}" for c in leaders]
    rows = (
        results.results_for_election(election)
        .order_by()
        .annotate(
            **{name: JsonCount("votes", str(c.pk)) for name, c in zip(names, leaders, strict=True)}
        )
        .values_list("registered_voters", "ballots_issued", "ballots_found", "valid", *names)
    )
    # NULL (no ballots issued published, no votes for a candidate) arrives as NaN.
    table = np.array(list(rows), dtype=float).reshape(-1, 4 + len(names))
    found = table[:, 2]
    issued = table[:, 1]
    return {
        "registered": table[:, 0],
        # Where the election body publishes no ballots issued, ballots found stand in.
        "issued": np.where(np.isnan(issued), found, issued),
        "issued_published": bool((~np.isnan(issued)).any()),
        "found": found,
        "valid": table[:, 3],
        **{name: np.nan_to_num(table[:, 4 + i]) for i, name in enumerate(names)},
    }


def _fingerprint(arrays: dict[str, Any], winner: Candidate) -> forensics.Fingerprint:
    keep = (arrays["registered"] > 0) & (arrays["valid"] > 0)
    turnout = arrays["found"][keep] / arrays["registered"][keep]
    share = arrays[f"lead{winner.pk}"][keep] / arrays["valid"][keep]
    return forensics.fingerprint(turnout, share, arrays["found"][keep], bins=100)


def _fingerprint_svg(fp: forensics.Fingerprint, winner: Candidate) -> str:
    svg = forensics.fingerprint_svg(
        fp,
        size=400,
        x_label=_("Turnout"),
        y_label=_("Share of %(candidate)s") % {"candidate": winner.name},
        title=_("Turnout against the leader's share, per station, weighted by voters"),
    )
    # The SVG is built by pvt/stats from numbers, with every label escaped there.
    return mark_safe(svg)  # noqa: S308


def fingerprint_table(fp: forensics.Fingerprint, bands: int = 10) -> dict[str, Any]:
    """The fingerprint's voters in coarser bands (turnout down, share across), in percent."""
    size = fp.counts.shape[0] // bands
    blocks = fp.counts.reshape(bands, size, bands, size).sum(axis=(1, 3))
    total = float(blocks.sum()) or 1.0
    step = 100 // bands
    return {
        "shares": [f"{j * step}-{(j + 1) * step}" for j in range(bands)],
        "rows": [
            {
                "turnout": f"{i * step}-{(i + 1) * step}",
                "cells": [100 * float(blocks[i, j]) / total for j in range(bands)],
            }
            for i in range(bands)
        ],
    }


@login_required
@require_GET
def forensics_page(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Fingerprint, integer percentages, second and last digits of the official results."""
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    national = results.official_totals(election)
    ranked = ranked_candidates(election, national, list(access.candidates_for_election(election)))
    context = _context(membership, national=national)
    if national.stations and ranked:
        leaders = [row.candidate for row in ranked[:2] if row.votes]
        context.update(_forensics(election, leaders))
    return TemplateResponse(request, "pvt/forensics.html", context)


def _forensics(election: Election, leaders: list[Candidate]) -> dict[str, Any]:
    if not leaders:
        return {}
    arrays = forensic_arrays(election, leaders)
    winner = leaders[0]
    fingerprint = _fingerprint(arrays, winner)
    integer = forensics.integer_percentages(
        arrays["registered"],
        arrays["issued"],
        arrays["found"],
        arrays[f"lead{winner.pk}"],
        exact=True,
    )
    digit_rows = []
    for candidate in leaders:
        counts = arrays[f"lead{candidate.pk}"]
        for test in (forensics.second_digit(counts), forensics.last_digit(counts)):
            digit_rows.append(DigitRow(candidate.name, test, _(test.caveat)))
    return {
        "winner": winner,
        "digit_chart": {"width": DIGIT_CHART_WIDTH, "height": DIGIT_CHART_HEIGHT},
        "fingerprint_svg": _fingerprint_svg(fingerprint, winner),
        "fingerprint_table": fingerprint_table(fingerprint),
        "integer": integer,
        "integer_caveat": _(integer.caveat),
        "issued_published": arrays["issued_published"],
        "second_digits": [row for row in digit_rows if row.test.name == "second_digit"],
        "last_digits": [row for row in digit_rows if row.test.name == "last_digit"],
    }


# --- Import ------------------------------------------------------------------------------


def _require_manager(request: HttpRequest, mission_code: str) -> Membership:
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    return membership


def _upload_name(token: str) -> str:
    return f"{UPLOAD_DIR}/{token}.csv"


def _sweep_old_uploads() -> None:
    """Remove uploads nobody confirmed (the files are the session's, not the database's)."""
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - UPLOAD_MAX_AGE
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


def _keep_upload(request: HttpRequest, mission_code: str, upload) -> str:
    _sweep_old_uploads()
    token = str(uuid.uuid4())
    default_storage.save(_upload_name(token), upload)
    uploads = request.session.get(SESSION_KEY, {})
    old = uploads.get(mission_code)
    if old:
        default_storage.delete(_upload_name(old))
    uploads[mission_code] = token
    request.session[SESSION_KEY] = uploads
    return token


def _kept_upload(request: HttpRequest, mission_code: str, token: str) -> bytes:
    """The bytes this session uploaded under the token; 404 for any other token."""
    if request.session.get(SESSION_KEY, {}).get(mission_code) != token:
        raise Http404
    try:
        with default_storage.open(_upload_name(token), "rb") as kept:
            return kept.read()
    except FileNotFoundError:
        raise Http404 from None


def _forget_upload(request: HttpRequest, mission_code: str, token: str) -> None:
    default_storage.delete(_upload_name(token))
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(mission_code, None)
    request.session[SESSION_KEY] = uploads


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Step 1: the coordinator uploads the election body's CSV file."""
    membership = _require_manager(request, mission_code)
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    context = _context(membership, form=form)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            results.read_header(upload)
        except ImportRejected as rejected:
            context.update(error_context(rejected))
            return TemplateResponse(request, "pvt/results_import.html", context)
        upload.seek(0)
        token = _keep_upload(request, mission_code, upload)
        return redirect("pvt_results:import_map", mission_code, token)
    return TemplateResponse(request, "pvt/results_import.html", context)


IGNORE = ""


class MappingForm(forms.Form):
    """One choice per column of the file: a protocol figure, a candidate, or nothing."""

    def __init__(self, *args, columns: list[str], candidates: list[Candidate], **kwargs):
        self.columns = columns
        self.candidates = {str(c.uuid): c for c in candidates}
        initial = kwargs.pop("guess", None)
        super().__init__(*args, **kwargs)
        choices = [
            (IGNORE, _("(not imported)")),
            (
                _("Protocol"),
                [(f"field:{name}", str(results.FIELD_LABELS[name])) for name in results.FIELDS],
            ),
            (
                _("Candidates"),
                [(f"candidate:{c.uuid}", _candidate_label(c)) for c in candidates],
            ),
        ]
        for i, column in enumerate(columns):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=column,
                choices=choices,
                required=False,
                initial=(initial or {}).get(column, IGNORE),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen: dict[str, str] = {}
        for i, column in enumerate(self.columns):
            value = cleaned.get(f"col_{i}") or IGNORE
            if value == IGNORE:
                continue
            if value in chosen:
                raise forms.ValidationError(
                    _(
                        "The columns '%(first)s' and '%(second)s' are both chosen for the same thing."
                    )
                    % {"first": chosen[value], "second": column}
                )
            chosen[value] = column
        return cleaned

    def mapping(self) -> results.ResultsMapping:
        mapping = results.ResultsMapping()
        for i, column in enumerate(self.columns):
            value = self.cleaned_data.get(f"col_{i}") or IGNORE
            kind, _sep, key = value.partition(":")
            if kind == "field":
                mapping.fields[key] = column
            elif kind == "candidate" and key in self.candidates:
                mapping.candidates[column] = self.candidates[key]
        return mapping


def _candidate_label(candidate: Candidate) -> str:
    party = f" ({candidate.party})" if candidate.party else ""
    number = f"{candidate.ballot_number}. " if candidate.ballot_number is not None else ""
    return f"{number}{candidate.name}{party}"


def _guess_initial(election: Election, columns: list[str]) -> dict[str, str]:
    guess = results.guess_mapping(election, columns)
    initial = {column: f"field:{name}" for name, column in guess.fields.items()}
    initial.update({column: f"candidate:{c.uuid}" for column, c in guess.candidates.items()})
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, mission_code: str, token: uuid.UUID) -> HttpResponse:
    """Step 2: the first rows, what each column is (guessed), and the confirmation."""
    membership = _require_manager(request, mission_code)
    key = str(token)
    election = membership.mission.election
    data = _kept_upload(request, mission_code, key)
    preview = results.preview(data, rows=PREVIEW_ROWS)
    candidates = list(access.candidates_for_election(election))
    form = MappingForm(
        request.POST or None,
        columns=preview.columns,
        candidates=candidates,
        guess=_guess_initial(election, preview.columns),
    )
    context = _context(
        membership,
        preview=preview,
        form=form,
        column_fields=[(column, form[f"col_{i}"]) for i, column in enumerate(preview.columns)],
        existing=results.results_for_election(election).count(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = results.import_results(election, data, form.mapping(), request.user)
        except ImportRejected as rejected:
            context.update(error_context(rejected))
            return TemplateResponse(request, "pvt/results_import_map.html", context)
        _forget_upload(request, mission_code, key)
        messages.success(request, _outcome_message(outcome))
        return redirect("pvt_results:totals", mission_code)
    return TemplateResponse(request, "pvt/results_import_map.html", context)


def _outcome_message(outcome: results.ResultsImport) -> str:
    text = _(
        "%(rows)d official results imported; %(flagged)d rows do not add up and are flagged."
    ) % {"rows": outcome.rows, "flagged": outcome.flagged}
    if outcome.replaced:
        text += " " + _("They replace the %(replaced)d results imported before.") % {
            "replaced": outcome.replaced
        }
    if outcome.stations_without_result:
        text += " " + _("%(missing)d stations of the election have no result in the file.") % {
            "missing": outcome.stations_without_result
        }
    return text
