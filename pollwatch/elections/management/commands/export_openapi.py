"""Write the API's OpenAPI document, the file committed as openapi.json (`make openapi`)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation


def render_openapi() -> str:
    """The document as stable text: sorted keys, two-space indent, a final newline.

    Rendered in English so that the committed file does not depend on the locale of
    whoever ran the command.
    """
    from pollwatch.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema()
        text = json.dumps(
            schema, indent=2, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder
        )
    return text + "\n"


class Command(BaseCommand):
    help = "Write the REST API's OpenAPI document as JSON (default: openapi.json at the root)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(settings.BASE_DIR / "openapi.json"),
            help="Where to write the document; '-' writes it to standard output.",
        )

    def handle(self, *args, path: str, **options):
        text = render_openapi()
        if path == "-":
            self.stdout.write(text, ending="")
            return
        Path(path).write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
