"""`pollwatch sms_outbox [--once] [--interval 5]`: the worker that empties the SMS outbox.

Each pass sends what is due through the push gateways (Twilio), within each
gateway's rate. SMSSync phones fetch their messages themselves; JSON webhooks carry
replies in their responses (see pollwatch/channels/sms/outbox.py). Several workers
may run side by side on PostgreSQL: each gateway is worked by one at a time.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pollwatch.channels.sms import outbox


class Command(BaseCommand):
    help = "Send queued text messages through the push gateways, within their rate limits."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between passes (default 5)."
        )
        parser.add_argument(
            "--twilio-base-url",
            default="",
            help="Another base URL for Twilio's REST API (a Twilio-compatible service).",
        )

    def handle(self, *args, once: bool, interval: float, twilio_base_url: str, **options):
        if interval <= 0:
            raise CommandError(_("The interval must be positive."))
        # Only Twilio gateways are pushed, so a Twilio transport covers every gateway sent to.
        transport = (
            outbox.TwilioTransport(api_base_url=twilio_base_url) if twilio_base_url else None
        )
        while True:
            counts = outbox.send_due(transport=transport)
            if once or any(counts[key] for key in ("sent", "retried", "failed")):
                self.stdout.write(
                    _("sent %(sent)d, retried %(retried)d, failed %(failed)d, waiting %(waiting)d")
                    % counts
                )
            if once:
                return
            time.sleep(interval)
