from django.contrib import admin

from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation


class SampledStationInline(admin.TabularInline):
    """A drawn sample is a record of a random draw: shown, never edited by hand."""

    model = SampledStation
    fields = ("station", "stratum", "stratum_size", "stratum_sample", "weight")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):
    list_display = ("mission", "size", "seed", "stratum_level", "is_active", "created_at")
    list_filter = ("is_active", "mission")
    readonly_fields = (
        "uuid", "mission", "election", "seed", "size", "stratum_level", "minimum_per_stratum",
        "target_margin", "confidence", "expected_turnout", "design_effect",
        "planned_from_past_results", "created_by", "created_at",
    )  # fmt: skip
    inlines = [SampledStationInline]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(QuickCountPolicy)
class QuickCountPolicyAdmin(admin.ModelAdmin):
    list_display = ("mission", "counts", "results_form", "confidence")
    raw_id_fields = ("results_form",)
