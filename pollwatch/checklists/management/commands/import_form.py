"""`pollwatch forms import FILE --mission CODE [--kind KIND]`: an XLSForm into a mission."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.table import Table

from pollwatch.checklists.models import Form
from pollwatch.checklists.services import FormRejected, import_form
from pollwatch.lib.terminal import console_for, read_file
from pollwatch.missions.models import Mission


class Command(BaseCommand):
    help = "Import an XLSForm (.xlsx) into a mission: a new form, a new version, or nothing if unchanged."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="the XLSForm workbook (.xlsx)")
        parser.add_argument("--mission", required=True, help="the mission's code")
        parser.add_argument(
            "--kind", choices=Form.Kind.values, help="the form's kind (else the settings sheet's)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mission = Mission.objects.filter(code=options["mission"]).first()
        if mission is None:
            raise CommandError(
                _("There is no mission with the code %(code)s.") % {"code": options["mission"]}
            )
        path = options["file"]
        try:
            result = import_form(mission, read_file(path), Path(path).name, kind=options["kind"])
        except FormRejected as rejected:
            raise self.reject(path, rejected) from None
        self.stdout.write(result.message)

    def reject(self, path: str, rejected: FormRejected) -> CommandError:
        """Print the problems as a table; the CommandError makes the exit status 1."""
        table = Table(title=_("Problems in %(file)s") % {"file": path})
        table.add_column(_("Sheet"))
        table.add_column(_("Row"), justify="right")
        table.add_column(_("Problem"))
        for problem in rejected.errors:
            table.add_row(problem.sheet, str(problem.row or ""), problem.message)
        console_for(self.stderr).print(table)
        return CommandError(
            _("The form was not imported: %(count)d problem(s) found in %(file)s.")
            % {"count": len(rejected.errors), "file": path}
        )
