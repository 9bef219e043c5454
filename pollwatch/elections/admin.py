from django.contrib import admin

from pollwatch.elections.models import (
    Area,
    BodyMember,
    CalendarPhase,
    Candidate,
    CandidateName,
    Election,
    ElectionBody,
    OfficialResult,
    Party,
    PollingStation,
)


class CalendarPhaseInline(admin.TabularInline):
    model = CalendarPhase
    extra = 0


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "country", "election_day", "time_zone", "is_demo")
    list_filter = ("kind", "country", "is_demo")
    search_fields = ("code", "name")
    inlines = [CalendarPhaseInline]


@admin.register(CalendarPhase)
class CalendarPhaseAdmin(admin.ModelAdmin):
    list_display = ("election", "kind", "starts_at", "ends_at")
    list_filter = ("kind", "election")


class BodyMemberInline(admin.TabularInline):
    model = BodyMember
    extra = 0


@admin.register(ElectionBody)
class ElectionBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "country", "level")
    search_fields = ("name", "short_name")
    inlines = [BodyMemberInline]


@admin.register(BodyMember)
class BodyMemberAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "body")
    list_filter = ("role",)
    search_fields = ("name",)


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "country")
    search_fields = ("name", "short_name")


class CandidateNameInline(admin.TabularInline):
    model = CandidateName
    extra = 0


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ("name", "election", "ballot_number", "party", "status")
    list_filter = ("status", "election")
    search_fields = ("name", "names__name")
    inlines = [CandidateNameInline]


@admin.register(CandidateName)
class CandidateNameAdmin(admin.ModelAdmin):
    list_display = ("name", "candidate", "language", "script")
    search_fields = ("name",)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "election")
    list_filter = ("election", "level")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(PollingStation)
class PollingStationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area", "registered_voters", "election")
    list_filter = ("election",)
    search_fields = ("code", "name")
    raw_id_fields = ("area",)
    list_select_related = ("area", "election")


@admin.register(OfficialResult)
class OfficialResultAdmin(admin.ModelAdmin):
    list_display = ("station", "registered_voters", "ballots_found", "valid", "has_problems")
    list_filter = ("election", "has_problems")
    search_fields = ("station__code",)
    raw_id_fields = ("station",)
    list_select_related = ("station",)
