"""The `pollwatch` console script: Django's management commands under one name.

`pollwatch import stations FILE` and `pollwatch export roster` read better than the
underlying `import_stations` and `export_roster`, so two-word forms are mapped here;
everything else goes to Django unchanged (`pollwatch migrate`, `pollwatch shell`).
"""

import os
import sys

TWO_WORD_COMMANDS = {
    ("import", "areas"): "import_areas",
    ("import", "stations"): "import_stations",
    ("import", "outlines"): "import_outlines",
    ("import", "results"): "import_results",
    ("import", "observers"): "import_observers",
    ("export", "roster"): "export_roster",
    ("forms", "import"): "import_form",
    ("pvt", "draw"): "pvt_draw",
}


def translate(argv: list[str]) -> list[str]:
    """Turn ['import', 'stations', ...] into ['import_stations', ...]."""
    if len(argv) >= 2 and (argv[0], argv[1]) in TWO_WORD_COMMANDS:
        return [TWO_WORD_COMMANDS[(argv[0], argv[1])], *argv[2:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
    from django.core.management import execute_from_command_line

    args = translate(list(sys.argv[1:] if argv is None else argv))
    execute_from_command_line(["pollwatch", *args])


if __name__ == "__main__":
    main()
