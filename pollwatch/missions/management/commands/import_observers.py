"""`pollwatch import observers FILE --mission CODE`: a mission's roster from CSV."""

import csv
import os
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _

from pollwatch.lib.csvio import ImportRejected
from pollwatch.lib.terminal import progress_bar, read_file, reject
from pollwatch.missions.imports import (
    OBSERVER_COLUMNS,
    OBSERVER_OPTIONAL,
    SigninCard,
    import_observers,
)
from pollwatch.missions.models import Mission


def signin_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("accounts:signin_link", args=[token])


def open_private(path: str) -> IO[str]:
    """A new file readable by its owner only: each link in it signs someone in."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise CommandError(
            _("Cannot write %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
        ) from None
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


def write_links(out: IO[str], cards: list[SigninCard], base_url: str) -> None:
    writer = csv.writer(out)
    writer.writerow(["observer_code", "name", "phone", "signin_url"])
    for card in cards:
        observer = card.observer
        writer.writerow(
            [observer.code, observer.name, observer.phone, signin_url(base_url, card.token)]
        )


class Command(BaseCommand):
    help = (
        "Import observers of a mission from a CSV file, all or nothing. "
        f"Columns: {','.join(OBSERVER_COLUMNS)} and optionally {','.join(OBSERVER_OPTIONAL)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, comma or semicolon separated")
        parser.add_argument("--mission", required=True, help="the mission's code")
        parser.add_argument(
            "--create-logins",
            action="store_true",
            help="give each observer a login and a one-time sign-in link",
        )
        parser.add_argument(
            "--links-out",
            metavar="FILE.csv",
            help="with --create-logins (required with it): write code, name, phone and sign-in URL here, e.g. for SMS",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="the site's address, for the sign-in URLs (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["links_out"]) != options["create_logins"]:
            # A link is shown once only: logins made without writing their links out
            # would each need a reset before anyone could sign in.
            raise CommandError(_("--create-logins and --links-out FILE.csv go together."))
        mission = Mission.objects.select_related("election").filter(code=options["mission"]).first()
        if mission is None:
            raise CommandError(
                _("There is no mission with the code %(code)s.") % {"code": options["mission"]}
            )
        data = read_file(options["file"])
        # Opened before the import, so that logins are never made with nowhere to
        # write their links.
        links = open_private(options["links_out"]) if options["links_out"] else None
        try:
            result = self.run_import(mission, data, options)
        except CommandError:
            if links is not None:
                links.close()
                os.unlink(options["links_out"])
            raise
        self.stdout.write(
            _(
                "Imported %(created)d observers into %(mission)s; %(teams)d teams created; "
                "%(logins)d logins created."
            )
            % {
                "created": result.created,
                "mission": mission.code,
                "teams": result.teams_created,
                "logins": len(result.logins),
            }
        )
        if links is not None:
            with links:
                write_links(links, result.logins, options["base_url"])
            self.stdout.write(
                _("Sign-in links written to %(file)s; each works once.")
                % {"file": options["links_out"]}
            )

    def run_import(self, mission: Mission, data: bytes, options: dict[str, Any]):
        try:
            with progress_bar(self.stderr, _("Observers")) as progress:
                return import_observers(
                    mission, data, create_logins=options["create_logins"], progress=progress
                )
        except ImportRejected as rejected:
            raise reject(self.stderr, options["file"], rejected) from None
