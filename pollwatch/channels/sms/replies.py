"""Reply texts for SMS reports, in the observer's language.

Each reply stays short: a Russian text is sent as UCS-2, 70 characters a segment, so
one reply names at most a few codes (MAX_CODES) and is cut at MAX_REPLY characters.
Callers wrap these in translation.override(language).
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from pollwatch.channels.sms import syntax
from pollwatch.channels.sms.syntax import Problem

MAX_CODES = 6
MAX_REPLY = 160


def _codes(codes: Iterable[str]) -> str:
    unique = list(dict.fromkeys(code for code in codes if code))
    shown = ", ".join(unique[:MAX_CODES])
    return shown + ("…" if len(unique) > MAX_CODES else "")


def short(text: str) -> str:
    return text if len(text) <= MAX_REPLY else text[: MAX_REPLY - 1] + "…"


def accepted(receipt: str) -> str:
    return _("Report received, thank you. Receipt %(receipt)s") % {"receipt": receipt}


def would_accept() -> str:
    return _("Valid report (test console: nothing stored).")


def duplicate(receipt: str) -> str:
    return _("Already received: counted once. Receipt %(receipt)s") % {"receipt": receipt}


def too_long() -> str:
    return _("Message too long (over 1600 characters): nothing stored.")


def unknown_observer(code: str) -> str:
    if not code:
        return _("Start with the form code and your observer code, e.g. OP 1234 0457 A1.")
    return _("Unknown observer code %(code)s. Check it and send again.") % {"code": code}


def unknown_station(code: str) -> str:
    return _("Unknown polling station %(code)s. Check it and send again.") % {"code": code}


def out_of_deployment(code: str) -> str:
    return _("Station %(code)s is not in your deployment. Nothing stored.") % {"code": code}


def form_updated() -> str:
    return _("The form was updated: see the new SMS guide. Nothing stored.")


def missing(codes: Iterable[str]) -> str:
    return _("Missing answers: %(codes)s. Send the whole report again.") % {"codes": _codes(codes)}


def refused(detail: str) -> str:
    return _("Not stored: %(detail)s") % {"detail": detail}


def allowed_text(allowed: str) -> str:
    """What a question takes: "choose 1-4", "a number", "YYYYMMDD", "HHMM"."""
    formats = {
        "integer": _("a whole number"),
        "decimal": _("a number"),
        "date": _("YYYYMMDD"),
        "time": _("HHMM"),
    }
    if allowed in formats:
        return formats[allowed]
    return _("choose %(range)s") % {"range": allowed} if allowed else ""


def invalid(problems: Iterable[tuple[str, str]]) -> str:
    """Codes with what each allows: "B: choose 1-4; E: a whole number"."""
    parts = [f"{code}: {allowed_text(allowed)}" if allowed else code for code, allowed in problems]
    return _("Check %(answers)s. Send the whole report again.") % {
        "answers": "; ".join(parts[:MAX_CODES])
    }


def for_problems(problems: list[Problem]) -> str:
    """The reply to a message the parser could not read completely."""
    kinds = {problem.kind for problem in problems}
    if syntax.TOO_LONG in kinds:
        return too_long()
    if kinds & {syntax.EMPTY, syntax.UNKNOWN_PREFIX}:
        found = [p.value for p in problems if p.kind == syntax.UNKNOWN_PREFIX]
        if found:
            return _("Unknown form code %(code)s: see your SMS guide.") % {"code": found[0]}
        return unknown_observer("")
    if syntax.NO_OBSERVER in kinds:
        return _("Write your observer code after the form code.")
    if syntax.NO_STATION in kinds:
        return _("Write the polling station code after your observer code.")
    if syntax.RETIRED_CODE in kinds:
        return form_updated()
    unknown = [p.code for p in problems if p.kind == syntax.UNKNOWN_CODE]
    if unknown:
        return _("Unknown codes: %(codes)s. See your SMS guide.") % {"codes": _codes(unknown)}
    return invalid(_problem_pairs(problems))


def _problem_pairs(problems: list[Problem]) -> list[tuple[str, str]]:
    pairs = []
    for problem in problems:
        if problem.kind == syntax.BAD_VISIT:
            pairs.append(("V", "1-99"))
        elif problem.kind == syntax.STRAY:
            pairs.append((problem.value, ""))
        else:
            pairs.append((problem.code, problem.allowed))
    return pairs
