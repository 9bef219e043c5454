"""`pollwatch demo [--force]`: load or reload the demo scenario and print how to sign in."""

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rich.console import Console
from rich.table import Table

from pollwatch.demo.services import DemoRefused, DemoSummary, load_demo
from pollwatch.missions.models import Role


def console_for(stream: OutputWrapper) -> Console:
    """A rich console on the command's own stream (call_command may pass a StringIO)."""
    return Console(file=cast(IO[str], getattr(stream, "_out", stream)), highlight=False)


def counts_table(summary: DemoSummary) -> Table:
    table = Table(title=_("Demo loaded: %(code)s") % {"code": summary.election})
    table.add_column(_("What"))
    table.add_column(_("Count"), justify="right")
    rows = [
        (_("Polling stations in the country"), summary.stations_in_country),
        (_("Polling stations abroad"), summary.stations_abroad),
        (_("Registered voters"), summary.registered_voters),
        (_("Areas"), summary.areas),
        (_("Candidates"), summary.candidates),
        (_("Election bodies"), summary.election_bodies),
        (_("Organisations"), summary.organisations),
        (_("Invitations"), summary.invitations),
        (_("Missions"), summary.missions),
        (_("Observers"), summary.observers),
        (_("Kazakh observers"), summary.kazakh_observers),
        (_("Nationalities"), summary.nationalities),
        (_("Teams"), summary.teams),
        (_("Deployments"), summary.deployments),
        (_("Forms"), summary.forms),
        (_("Reports"), summary.reports),
        (_("Flagged reports"), summary.flagged_reports),
        (_("Reports in conflict"), summary.reports_in_conflict),
        (_("Campaigning in the silence period"), summary.silence_flags),
        (_("SMS gateways (examples)"), summary.sms_gateways),
        (_("Text messages received"), summary.sms_messages),
        (_("Reports by SMS"), summary.sms_reports),
        (_("Text messages redelivered by a gateway"), summary.sms_redelivered),
    ]
    for label, count in rows:
        table.add_row(label, f"{count:,}")
    return table


def logins_table(summary: DemoSummary) -> Table:
    table = Table(
        title=_("Demo accounts (password: %(password)s)") % {"password": summary.password}
    )
    table.add_column(_("User name"))
    table.add_column(_("Mission"))
    table.add_column(_("Role"))
    table.add_column(_("Name"))
    for login in summary.logins:
        table.add_row(login.username, login.mission, str(Role(login.role).label), login.name)
    return table


class Command(BaseCommand):
    # Django reads help only when it builds the parser, so a lazy string works.
    help = gettext_lazy(  # type: ignore[assignment]
        "Load the demo scenario (Kyrgyz presidential election, 2017), replacing any "
        "previous demo. Refuses when the database holds other data, unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy(
                "Load even though the database holds non-demo data; that data is kept."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = console_for(self.stdout)
        try:
            with console.status(_("Loading the demo…")) as status:
                summary = load_demo(force=options["force"], progress=status.update)
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from None
        console.print(counts_table(summary))
        console.print(logins_table(summary))
        console.print(
            _(
                "Sign in with any of these user names and the password %(password)s. "
                "Loaded in %(seconds).1f s."
            )
            % {"password": summary.password, "seconds": summary.seconds}
        )
