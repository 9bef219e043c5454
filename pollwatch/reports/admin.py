from django.contrib import admin

from pollwatch.reports.models import Flag, Report, ReportVersion, ReviewDecision, Submission


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows kept exactly as received or decided: viewable, never added or edited here."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class VersionInline(ReadOnlyInline):
    model = ReportVersion
    fields = ("number", "form_version", "channel", "entered_by", "observed_at", "created_at")
    readonly_fields = fields


class FlagInline(ReadOnlyInline):
    model = Flag
    fk_name = "report"
    fields = ("kind", "code", "message", "version", "created_at", "resolved_at")
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = ReviewDecision
    fields = ("status", "note", "decided_by", "decided_at")
    readonly_fields = fields


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports arrive only through reports.services.submit_report; review is in the app."""

    list_display = ("uuid", "form", "station", "observer", "visit", "status", "in_conflict")
    list_filter = ("status", "in_conflict", "form__kind", "mission")
    search_fields = ("uuid", "station__code", "observer__code")
    readonly_fields = (
        "uuid",
        "mission",
        "form",
        "observer",
        "station",
        "visit",
        "is_checklist",
        "status",
        "in_conflict",
        "current",
        "observed_at",
        "created_at",
        "updated_at",
    )
    inlines = [VersionInline, FlagInline, DecisionInline]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ("report", "number", "form_version", "channel", "entered_by", "created_at")
    list_filter = ("channel", "report__mission")
    search_fields = ("report__uuid", "content_hash")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("instance_id", "version", "channel", "entered_by", "received_at")
    list_filter = ("channel",)
    search_fields = ("instance_id", "content_hash")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("report", "kind", "code", "created_at", "resolved_at")
    list_filter = ("kind", "report__mission")
    search_fields = ("report__uuid", "code")
    raw_id_fields = ("report", "version")
    readonly_fields = ("created_at",)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ("report", "status", "decided_by", "decided_at")
    list_filter = ("status", "report__mission")
    search_fields = ("report__uuid", "note")
