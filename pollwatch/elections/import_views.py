"""Upload pages for the election's geography: stations (with their areas) from CSV."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pollwatch.elections import imports
from pollwatch.lib.csvio import ImportRejected
from pollwatch.missions import access

# A web page stays readable with this many problems; the count says how many more.
ERRORS_SHOWN = 500

STATIONS_SAMPLE = """code,name,area_code,registered_voters,address,latitude,longitude,area_name,area_level,parent_area_code
1001,School No. 5,BIS-1,1843,12 Chui Ave,42.874600,74.569800,Bishkek district 1,district,BIS
1002,Lyceum No. 61,BIS-1,2210,,,,Bishkek district 1,district,BIS
"""


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(max)d MB.")
                % {"max": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


def error_context(rejected: ImportRejected) -> dict:
    return {
        "errors": rejected.errors[:ERRORS_SHOWN],
        "errors_total": len(rejected.errors),
        "errors_hidden": max(0, len(rejected.errors) - ERRORS_SHOWN),
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_stations(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Coordinators upload the stations of the election their mission observes."""
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    mission = membership.mission
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    context = access.member_context(
        membership,
        "stations",
        form=form,
        required_columns=imports.STATION_COLUMNS,
        optional_columns=imports.STATION_OPTIONAL,
        sample=STATIONS_SAMPLE,
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.import_stations(mission.election, form.cleaned_data["file"])
        except ImportRejected as rejected:
            context.update(error_context(rejected))
            return TemplateResponse(request, "elections/import_stations.html", context)
        messages.success(
            request,
            _(
                "%(rows)d rows imported: %(created)d stations created, %(updated)d updated, "
                "%(unchanged)d unchanged; %(areas_created)d areas created, %(areas_updated)d updated."
            )
            % {
                "rows": result.rows,
                "created": result.stations_created,
                "updated": result.stations_updated,
                "unchanged": result.stations_unchanged,
                "areas_created": result.areas_created,
                "areas_updated": result.areas_updated,
            },
        )
        return redirect("elections:stations", mission.code)
    return TemplateResponse(request, "elections/import_stations.html", context)
