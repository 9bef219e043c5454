"""The quick-count pages: the estimates and the call, and the sample.

The estimates page renders one snapshot dict (quickcount.snapshot): live for the
core team, the latest release for every other member, so what viewers see is
exactly what a coordinator released. The sample page plans the size, draws with a
recorded seed, exports the draw and assigns it to teams.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pollwatch.checklists.models import Form
from pollwatch.findings import releases
from pollwatch.findings.models import Release
from pollwatch.lib.csvio import ImportRejected, read_csv
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership, Team
from pollwatch.pvt import access, quickcount, sampling, services
from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation
from pollwatch.pvt.stats.design import SampleError

CONFIDENCE_CHOICES = [
    ("0.90", "90 %"),
    ("0.95", "95 %"),
    ("0.99", "99 %"),
    ("0.999", "99.9 %"),
]
DEFAULT_MARGIN = Decimal("1.0")
DEFAULT_TURNOUT = Decimal("55")
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 260, 40
SERIES_COLOURS = ("#2b6cb0", "#c05621", "#2f855a")


# --- the estimates and the call -----------------------------------------------------------


class PolicyForm(forms.Form):
    counts = forms.ChoiceField(
        label=gettext_lazy("Reports that count"), choices=QuickCountPolicy.Counts.choices
    )
    results_form: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Results form"),
        queryset=Form.objects.none(),
        to_field_name="code",
        required=False,
    )
    confidence = forms.ChoiceField(
        label=gettext_lazy("Confidence of the call"), choices=CONFIDENCE_CHOICES
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["results_form"].queryset = access.results_forms_for(membership)  # type: ignore[attr-defined]


class ReleaseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)


def _policy_form(membership: Membership) -> PolicyForm:
    policy = quickcount.policy_for(membership.mission)
    confidence = next(
        (value for value, _label in CONFIDENCE_CHOICES if Decimal(value) == policy.confidence),
        "0.99",
    )
    initial = {
        "counts": policy.counts,
        "results_form": policy.results_form,
        "confidence": confidence,
    }
    return PolicyForm(membership=membership, initial=initial)


def _chart(points: list[dict[str, Any]], threshold: float) -> dict[str, Any] | None:
    """SVG geometry of the convergence chart: a line and an interval band per candidate."""
    if len(points) < 2:
        return None
    lows = [c["low"] for p in points for c in p["candidates"]]
    highs = [c["high"] for p in points for c in p["candidates"]]
    bottom = max(0.0, (min(lows + [threshold]) // 5) * 5 - 5)
    top = min(100.0, (max(highs + [threshold]) // 5) * 5 + 10)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD

    def x(k: int) -> float:
        return round(CHART_PAD + inner_w * k / (len(points) - 1), 1)

    def y(value: float) -> float:
        return round(CHART_PAD + inner_h * (top - value) / (top - bottom), 1)

    series = []
    for n, name in enumerate(c["name"] for c in points[0]["candidates"]):
        rows = [p["candidates"][n] for p in points]
        line = " ".join(f"{x(k)},{y(r['share'])}" for k, r in enumerate(rows))
        upper = [f"{x(k)},{y(r['high'])}" for k, r in enumerate(rows)]
        lower = [f"{x(k)},{y(r['low'])}" for k, r in reversed(list(enumerate(rows)))]
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        series.append(
            {"name": name, "line": line, "band": " ".join(upper + lower), "colour": colour}
        )
    step = 5 if top - bottom <= 40 else 10
    ticks = [{"value": v, "y": y(v)} for v in range(int(bottom), int(top) + 1, step) if v >= bottom]
    labels = [
        {"x": x(k), "text": p["label"][-5:]}
        for k, p in enumerate(points)
        if k in (0, len(points) - 1) or k % max(1, len(points) // 6) == 0
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "bottom": CHART_HEIGHT - CHART_PAD,
        "series": series,
        "ticks": ticks,
        "labels": labels,
        "threshold_y": y(threshold) if bottom <= threshold <= top else None,
    }


def _view_of(data: dict[str, Any]) -> dict[str, Any]:
    """What the template needs beyond the snapshot: the call in words and the chart."""
    return {
        "qc": data,
        "call_text": quickcount.describe(data.get("call")),
        "chart": _chart(data.get("convergence") or [], data.get("threshold", 50.0)),
    }


@login_required
@require_GET
def quick_count(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    if not access.sees_live(membership):
        return _released(request, membership)
    data = quickcount.snapshot(membership.mission)
    context = mission_access.member_context(
        membership,
        "quick_count",
        live=True,
        release=releases.latest_release(membership, Release.Kind.QUICK_COUNT),
        policy_form=_policy_form(membership) if access.may_manage(membership) else None,
        release_form=ReleaseForm() if access.may_manage(membership) else None,
        **_view_of(data),
    )
    return TemplateResponse(request, "pvt/quickcount.html", context)


def _released(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The latest release, for the members who may not see the live figures."""
    release = releases.latest_release(membership, Release.Kind.QUICK_COUNT)
    extra = _view_of(release.snapshot) if release else {"qc": None}
    context = mission_access.member_context(
        membership, "quick_count", live=False, release=release, **extra
    )
    return TemplateResponse(request, "pvt/quickcount.html", context)


@login_required
@require_POST
def set_policy(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    access.require_manage(membership)
    form = PolicyForm(request.POST, membership=membership)
    if form.is_valid():
        services.set_policy(
            membership.mission,
            counts=form.cleaned_data["counts"],
            results_form=form.cleaned_data["results_form"],
            confidence=Decimal(form.cleaned_data["confidence"]),
        )
        messages.success(request, _("The quick-count policy is saved."))
    else:
        messages.error(request, _("The policy was not saved: check the choices."))
    return HttpResponseRedirect(reverse("pvt_quickcount:estimates", args=[mission_code]))


@login_required
@require_POST
def release(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    access.require_manage(membership)
    form = ReleaseForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    services.release_quick_count(membership, quickcount.snapshot(membership.mission), title)
    messages.success(request, _("The quick count as it stands now is released to the mission."))
    return HttpResponseRedirect(reverse("pvt_quickcount:estimates", args=[mission_code]))


# --- the sample ------------------------------------------------------------------------------


class DesignForm(forms.Form):
    margin = forms.DecimalField(
        label=gettext_lazy("Target margin (percentage points)"),
        min_value=Decimal("0.1"),
        max_value=Decimal("20"),
        decimal_places=2,
        initial=DEFAULT_MARGIN,
    )
    confidence = forms.ChoiceField(
        label=gettext_lazy("Confidence"), choices=CONFIDENCE_CHOICES, initial="0.99"
    )
    expected_turnout = forms.DecimalField(
        label=gettext_lazy("Expected turnout (%)"),
        min_value=Decimal("1"),
        max_value=Decimal("100"),
        decimal_places=2,
        initial=DEFAULT_TURNOUT,
    )
    stratum_level = forms.ChoiceField(label=gettext_lazy("Strata"), required=False)
    design_effect = forms.DecimalField(
        label=gettext_lazy("Design effect"),
        min_value=Decimal("1"),
        max_value=Decimal("200"),
        decimal_places=2,
        initial=Decimal(str(sampling.DEFAULT_DESIGN_EFFECT)),
    )
    minimum = forms.IntegerField(
        label=gettext_lazy("Minimum stations per stratum"), min_value=0, max_value=1000, initial=0
    )

    def __init__(self, *args: Any, levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stratum_level"].choices = [("", _("None (one stratum)"))] + [  # type: ignore[attr-defined]
            (level, level) for level in levels
        ]

    def inputs(self) -> sampling.DesignInputs:
        data = self.cleaned_data
        return sampling.DesignInputs(
            margin=float(data["margin"]),
            confidence=float(data["confidence"]),
            expected_turnout=float(data["expected_turnout"]),
            stratum_level=data["stratum_level"] or "",
            design_effect=float(data["design_effect"]),
            minimum=data["minimum"],
        )


class DrawForm(DesignForm):
    size = forms.IntegerField(label=gettext_lazy("Stations to draw"), min_value=1)
    seed = forms.CharField(
        label=gettext_lazy("Seed"),
        max_length=64,
        help_text=gettext_lazy("Recorded with the sample: the same seed draws the same stations."),
    )
    planned_from_past_results = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AssignForm(forms.Form):
    teams: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Teams"), queryset=Team.objects.none(), to_field_name="code"
    )
    date = forms.DateField(label=gettext_lazy("Date"))

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = access.teams_for(membership)  # type: ignore[attr-defined]


class AssignFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file with the columns station,team"))
    date = forms.DateField(label=gettext_lazy("Date"))


def _levels(membership: Membership) -> list[str]:
    return sampling.stratum_levels(membership.mission.election)


def _initial_design(membership: Membership) -> dict[str, str]:
    return {
        "margin": str(DEFAULT_MARGIN),
        "confidence": "0.99",
        "expected_turnout": str(DEFAULT_TURNOUT),
        "stratum_level": sampling.default_level(membership.mission.election),
        "design_effect": str(sampling.DEFAULT_DESIGN_EFFECT),
        "minimum": "0",
    }


def _design(membership: Membership, params: Any) -> tuple[DesignForm, sampling.Design | None]:
    """The design form bound to the query (or to the defaults) and its plan when valid."""
    levels = _levels(membership)
    if "margin" not in params:
        params = _initial_design(membership)
    form = DesignForm(params, levels=levels)
    if not form.is_valid():
        return form, None
    return form, sampling.plan(membership.mission.election, form.inputs())


def _draw_form(
    membership: Membership, design: sampling.Design | None, form: DesignForm
) -> DrawForm:
    levels = _levels(membership)
    initial: dict[str, Any] = {"seed": services.new_seed()}
    if design is not None:
        initial.update(form.cleaned_data)
        initial["size"] = design.recommended
        initial["planned_from_past_results"] = design.from_past_results is not None
    return DrawForm(levels=levels, initial=initial)


def _strata_rows(sample: Sample) -> list[dict[str, Any]]:
    counts = sampling.stratum_counts(sample)
    names, _parents = quickcount._stratum_names(sample.election, set(counts))
    return [
        {"code": code, "name": names.get(code, code), "frame": big, "sampled": small}
        for code, (big, small) in sorted(counts.items())
    ]


@login_required
@require_GET
def sample_page(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    sample = access.sample_for(membership)
    design_form, design = _design(membership, request.GET)
    manage = access.may_manage(membership)
    election = membership.mission.election
    context = mission_access.member_context(
        membership,
        "quick_count",
        sample=sample,
        strata=_strata_rows(sample) if sample else [],
        design_form=design_form,
        design=design,
        draw_form=_draw_form(membership, design, design_form) if manage else None,
        assign_form=AssignForm(membership=membership, initial={"date": election.election_day})
        if manage and sample
        else None,
        file_form=AssignFileForm(initial={"date": election.election_day})
        if manage and sample
        else None,
    )
    return TemplateResponse(request, "pvt/sample.html", context)


def _to_sample(mission_code: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("pvt_quickcount:sample", args=[mission_code]))


@login_required
@require_POST
def draw(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    access.require_manage(membership)
    form = DrawForm(request.POST, levels=_levels(membership))
    if not form.is_valid():
        messages.error(request, _("Nothing was drawn: %(errors)s") % {"errors": _errors(form)})
        return _to_sample(mission_code)
    data = form.cleaned_data
    try:
        sample = services.draw_sample_for(
            membership.mission,
            size=data["size"],
            seed=data["seed"].strip(),
            stratum_level=data["stratum_level"] or "",
            minimum=data["minimum"],
            user=request.user,  # type: ignore[arg-type]
            inputs=form.inputs(),
            planned_from_past_results=data["planned_from_past_results"],
        )
    except (SampleError, ValueError) as error:
        messages.error(request, _("Nothing was drawn: %(error)s") % {"error": error})
        return _to_sample(mission_code)
    count = SampledStation.objects.filter(sample=sample).count()
    messages.success(
        request,
        _("Drew %(count)s stations with the seed %(seed)s.")
        % {"count": count, "seed": sample.seed},
    )
    return _to_sample(mission_code)


def _errors(form: forms.Form) -> str:
    return "; ".join(
        f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
    )


@login_required
@require_GET
def sample_csv(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    sample = access.sample_for(membership)
    if sample is None:
        messages.error(request, _("No sample drawn yet."))
        return _to_sample(mission_code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"sample-{membership.mission.code}-{sample.seed}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    write_sample_csv(sample, response)
    return response


def write_sample_csv(sample: Sample, out: Any) -> int:
    """The drawn stations as CSV, in stratum and code order; the seed on every row."""
    writer = csv.writer(out)
    writer.writerow(
        [
            "station",
            "name",
            "area",
            "stratum",
            "stratum_stations",
            "stratum_sampled",
            "weight",
            "seed",
        ]
    )
    rows = (
        SampledStation.objects.filter(sample=sample)
        .order_by("stratum", "station__code")
        .values_list(
            "station__code",
            "station__name",
            "station__area__code",
            "stratum",
            "stratum_size",
            "stratum_sample",
            "weight",
        )
    )
    count = 0
    for row in rows:
        writer.writerow([*row[:-1], f"{row[-1]:.6f}", sample.seed])
        count += 1
    return count


@login_required
@require_POST
def assign(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.membership_for(request.user, mission_code)
    access.require_manage(membership)
    sample = access.sample_for(membership)
    if sample is None:
        messages.error(request, _("No sample drawn yet."))
        return _to_sample(mission_code)
    try:
        done = _assign(request, membership, sample)
    except services.AssignmentError as error:
        for problem in error.problems[:20]:
            messages.error(request, problem)
        return _to_sample(mission_code)
    if done is not None:
        messages.success(
            request,
            _("Assigned %(stations)s sampled stations to %(teams)s teams.")
            % {"stations": done.stations, "teams": done.teams},
        )
    return _to_sample(mission_code)


def _assign(
    request: HttpRequest, membership: Membership, sample: Sample
) -> services.Assigned | None:
    """From the uploaded file when there is one, else in even shares to the chosen teams."""
    if request.FILES.get("file"):
        form: forms.Form = AssignFileForm(request.POST, request.FILES)
        if not form.is_valid():
            raise services.AssignmentError([_errors(form)])
        return services.assign_from_rows(
            membership.mission,
            sample,
            _assignment_rows(form.cleaned_data["file"]),
            form.cleaned_data["date"],
        )
    form = AssignForm(request.POST, membership=membership)
    if not form.is_valid():
        raise services.AssignmentError([_errors(form)])
    return services.assign_sample(
        membership.mission, sample, list(form.cleaned_data["teams"]), form.cleaned_data["date"]
    )


def _assignment_rows(upload: Any) -> list[tuple[int, str, str]]:
    try:
        table = read_csv(upload, required=["station", "team"])
    except ImportRejected as rejected:
        raise services.AssignmentError([str(error) for error in rejected.errors]) from None
    if table.errors:
        raise services.AssignmentError([str(error) for error in table.errors])
    return [(line, row["station"], row["team"]) for line, row in table.rows]
