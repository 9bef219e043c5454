from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from pollwatch.accounts.models import ApiToken, SignInLink, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("pollwatch", {"fields": ("preferred_language",)}))  # type: ignore[misc]
    list_display = ("username", "first_name", "last_name", "is_staff", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")
    search_fields = ("name", "user__username")


@admin.register(SignInLink)
class SignInLinkAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "used_at", "revoked_at")
    readonly_fields = ("token_hash",)
    search_fields = ("user__username",)
