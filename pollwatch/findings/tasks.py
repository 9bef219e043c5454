"""Background work of the findings app: the XLSX export of a form's reports.

The task runs in `pollwatch db_worker` (django-tasks-db), which `pollwatch serve`
starts beside gunicorn; POLLWATCH_TASKS=immediate (and the tests) run it inside
the request. It writes with openpyxl's write-only mode, which keeps one row in
memory, and records its progress on the Export row so that the progress page can
show it.
"""

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from pollwatch.findings import exports
from pollwatch.findings.models import Export

logger = logging.getLogger(__name__)

# How often (in rows) the task writes its progress: often enough for a bar that
# moves every couple of seconds, rarely enough to cost nothing.
PROGRESS_EVERY = 500


@task()
def build_xlsx(export_uuid: str, language: str) -> None:
    """Write the export's spreadsheet under MEDIA_ROOT/exports/, or record why not."""
    export = Export.objects.select_related("form__mission__election").get(uuid=export_uuid)
    try:
        start(export)
        with translation.override(language):
            rows = write_xlsx(export, language)
    except Exception as error:
        logger.exception("export %s failed", export.uuid)
        fail(export, error)
        raise
    finish(export, rows)


def start(export: Export) -> None:
    total = exports.report_values(export.form).count()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING,
        rows_total=total,
        rows_done=0,
        error="",
        progress_at=timezone.now(),
    )


def fail(export: Export, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.FAILED, error=message, finished_at=timezone.now()
    )


def finish(export: Export, rows: int) -> None:
    # Reports that arrived while the task ran are in the file too: the total follows.
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.DONE, rows_done=rows, rows_total=rows, finished_at=timezone.now()
    )


def write_xlsx(export: Export, language: str) -> int:
    """Build the workbook in a temporary file and store it on the export; the row count."""
    form = export.form
    layout = exports.layout_for(form, labels=export.labels, language=language)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=form.code[:31])
    sheet.append(layout.header)
    count = 0
    for row in exports.export_rows(form, layout, exports.paged_rows(form)):
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
        if count % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_done=count, progress_at=timezone.now())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        workbook.save(path)
        with path.open("rb") as content, transaction.atomic():
            export.file.save(xlsx_filename(export), File(content), save=False)
            Export.objects.filter(pk=export.pk).update(file=export.file.name)
    return count


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A value as a cell: local times without zone (Excel has none), text kept text."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if text.startswith("=") or text in ERROR_CODES:
        # openpyxl would store it as a formula (or an error): observers' text stays text.
        cell = WriteOnlyCell(sheet, "")
        cell.value = text
        cell.data_type = "s"
        return cell
    return text


def xlsx_filename(export: Export) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{export.form.mission.code}-{export.form.code}-{stamp}.xlsx"
