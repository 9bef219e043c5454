from django.contrib import admin

from pollwatch.missions.models import (
    Deployment,
    Invitation,
    Membership,
    Mission,
    Observer,
    Organisation,
    Team,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("invitee", "election", "status", "sent_on", "decided_on")
    list_filter = ("status", "election")
    search_fields = ("invitee__name",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "organisation", "election")
    search_fields = ("code", "name")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "mission", "role")
    list_filter = ("role", "mission")
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "mission")
    list_filter = ("mission",)


@admin.register(Observer)
class ObserverAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "mission", "nationality", "role", "accreditation_status")
    list_filter = ("mission", "role", "nationality", "accreditation_status")
    search_fields = ("name", "code", "accreditation_number", "phone")
    raw_id_fields = ("user", "team")


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("team", "mission", "area", "date")
    list_filter = ("mission", "date")
    raw_id_fields = ("area", "stations", "team")
