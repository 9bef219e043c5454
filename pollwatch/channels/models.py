"""SMS gateways and their messages, and ODK Collect app users.

Both channels are thin adapters: every report they carry goes through
pollwatch.reports.services.submit_report, like the web and the API.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pollwatch.missions.models import Mission, Observer
from pollwatch.reports.models import Report


class Gateway(models.Model):
    """An SMS gateway configured for one mission, with its own secret."""

    class Kind(models.TextChoices):
        TWILIO = "twilio", _("Twilio")
        SMSSYNC = "smssync", _("SMSSync (Android)")
        JSON = "json", _("JSON webhook (HMAC-SHA256)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="gateways")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    name = models.CharField(_("name"), max_length=100)
    # Twilio: the account's auth token; SMSSync: the shared secret; JSON: the HMAC key.
    # Kept in clear: each request's signature must be recomputed from it.
    secret = models.CharField(_("secret"), max_length=200)
    account_sid = models.CharField(_("Twilio account SID"), max_length=64, blank=True)
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True)
    public_url = models.URLField(
        _("public URL"),
        blank=True,
        help_text=_("The webhook URL as the gateway sees it, when a proxy sits in front."),
    )
    messages_per_minute = models.PositiveIntegerField(_("messages per minute"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("SMS gateway")
        verbose_name_plural = _("SMS gateways")
        ordering = ["mission", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class InboundMessage(models.Model):
    """A text message as the gateway delivered it; gateways deliver at least once."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Report accepted")
        DUPLICATE = "duplicate", _("Duplicate report")
        REFUSED = "refused", _("Refused")
        REDELIVERED = "redelivered", _("Redelivered by the gateway")

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="inbound")
    message_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    sender = models.CharField(_("sender"), max_length=20)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome)
    reply = models.TextField(_("reply"), blank=True)
    observer = models.ForeignKey(
        Observer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "message_id"],
                condition=~models.Q(message_id=""),
                name="one_row_per_gateway_message",
            )
        ]
        indexes = [models.Index(fields=["gateway", "sender", "received_at"])]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class OutboundMessage(models.Model):
    """A reply or broadcast waiting in the rate-limited outbox, or sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="outbound")
    to = models.CharField(_("to"), max_length=20)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    in_reply_to = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    broadcast = models.UUIDField(_("broadcast"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["gateway", "status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:40]}"


class AppUser(models.Model):
    """An ODK Collect device's credential for one observer, as in ODK Central.

    The token travels in the server URL (…/key/<token>/); only its hash is kept, and
    revoking it locks the device out.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    observer = models.ForeignKey(Observer, on_delete=models.CASCADE, related_name="app_users")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ODK app user")
        verbose_name_plural = _("ODK app users")
        ordering = ["observer", "-created_at"]

    def __str__(self) -> str:
        return f"{self.observer} ({self.created_at:%Y-%m-%d})"
