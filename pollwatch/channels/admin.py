"""Admin for gateways (secrets write-only), their messages (read-only) and ODK app users."""

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pollwatch.channels.models import AppUser, Gateway, InboundMessage, OutboundMessage

WEBHOOK_ROUTES = {
    Gateway.Kind.TWILIO: "sms_webhooks:twilio",
    Gateway.Kind.SMSSYNC: "sms_webhooks:smssync",
    Gateway.Kind.JSON: "sms_webhooks:json",
}


def _formfield(field: models.Field, **kwargs):  # type: ignore[no-untyped-def]
    # Webhook URLs are https: say so now rather than rely on Django 5's http default.
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class GatewayForm(forms.ModelForm):
    """The secret can be set or replaced, never read back: blank keeps the current one."""

    secret = forms.CharField(
        label=_("secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Twilio: the account's auth token; SMSSync: the shared secret; JSON: the HMAC "
            "key. Leave blank to keep the current one."
        ),
    )

    class Meta:
        model = Gateway
        formfield_callback = _formfield
        fields = [
            "mission",
            "kind",
            "name",
            "secret",
            "account_sid",
            "phone_number",
            "public_url",
            "messages_per_minute",
            "is_active",
        ]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if secret:
            return secret
        if self.instance.pk and self.instance.secret:
            return self.instance.secret
        raise forms.ValidationError(_("A new gateway needs a secret."))


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin):
    form = GatewayForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "kind", "mission", "phone_number", "messages_per_minute", "is_active")
    list_filter = ("kind", "is_active", "mission")
    search_fields = ("name", "phone_number")
    readonly_fields = ("uuid", "webhook_path", "created_at")

    @admin.display(description=_("webhook path"))
    def webhook_path(self, obj: Gateway) -> str:
        if not obj.pk:
            return "-"
        return reverse(WEBHOOK_ROUTES[Gateway.Kind(obj.kind)], args=[obj.uuid])


class ReadOnlyAdmin(admin.ModelAdmin):
    """Messages as the gateways delivered them or the outbox sent them."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "text", "outcome", "gateway")
    list_filter = ("outcome", "gateway")
    search_fields = ("sender", "message_id")
    date_hierarchy = "received_at"
    list_select_related = ("gateway",)
    raw_id_fields = ("observer", "report")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "to", "text", "status", "attempts", "sent_at", "gateway")
    list_filter = ("status", "gateway")
    search_fields = ("to",)
    date_hierarchy = "created_at"
    list_select_related = ("gateway",)
    raw_id_fields = ("in_reply_to",)


@admin.register(AppUser)
class AppUserAdmin(admin.ModelAdmin):
    """Tokens are made and revoked in the app; the admin shows a hint of the hash only."""

    list_display = ("observer", "created_at", "revoked_at", "token_hint")
    list_filter = ("revoked_at",)
    search_fields = ("observer__name", "observer__code")
    fields = ("observer", "uuid", "token_hint", "created_at", "revoked_at")
    readonly_fields = ("observer", "uuid", "token_hint", "created_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description=_("token hash"))
    def token_hint(self, obj: AppUser) -> str:
        return obj.token_hash[:8] + "…" if obj.token_hash else "-"
