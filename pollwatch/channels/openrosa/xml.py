"""OpenRosa XML: the instance documents ODK Collect sends, and the documents it reads.

Instances are parsed with defusedxml and no DTD at all (ODK Collect never sends one),
so entity expansion ("billion laughs") and external entities are refused before any
expansion. Answers are read by the paths of the FormVersion's spec (checklists/spec.py):
a question's element is found by walking its path below the instance's root, so groups
nest as in the XForm; notes and calculates are not answers; `meta` is read for the
instance ids only.

Conventions for the report's key (documented for form authors in the module of views):
- the station is the answer to a question named `station` (a text question: an
  integer question would drop the leading zeros of codes such as 0457);
- the visit is the answer to a question named `visit`, else 1;
- the observed-at time is `<meta><timeEnd>` when the form records it, else the arrival.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only builds documents, never parses input
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from pollwatch.checklists.spec import NO_ANSWER_TYPES

XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
OPENROSA_RESPONSE = "http://openrosa.org/http/response"
STATION_QUESTION = "station"
VISIT_QUESTION = "visit"
# ODK writes times as 08:05:00.000+06:00; the engine takes HH:MM or HH:MM:SS.
ODK_TIME = re.compile(r"^(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$")
# The primary instance: the first <instance> without attributes, and its root's start tag.
PRIMARY_ROOT = re.compile(r"<instance>\s*<(?P<name>[A-Za-z_][\w.-]*)(?P<attrs>[^>]*?)(?P<end>/?>)")


class InstanceInvalid(Exception):
    """The submission is not an instance document the server can read (HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Instance:
    """What an instance document says about itself, and its root element."""

    form_id: str
    version: str | None
    instance_id: str
    deprecated_id: str | None
    time_end: str | None
    root: ET.Element


def local_name(tag: Any) -> str:
    """The tag without its namespace; comments and processing instructions have none."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def child(element: ET.Element, name: str) -> ET.Element | None:
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def parse_instance(data: bytes) -> Instance:
    """Read an instance document; InstanceInvalid for anything that is not one."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InstanceInvalid(_("The submission declares a DTD or entities: refused.")) from None
    except (ET.ParseError, ValueError):
        raise InstanceInvalid(_("The submission is not well-formed XML.")) from None
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise InstanceInvalid(_("The submission's root element has no form id."))
    meta = child(root, "meta")
    ids = {name: _meta_text(meta, name) for name in ("instanceID", "deprecatedID", "timeEnd")}
    if not ids["instanceID"]:
        raise InstanceInvalid(_("The submission has no <meta><instanceID>."))
    return Instance(
        form_id=form_id,
        version=(root.get("version") or "").strip() or None,
        instance_id=ids["instanceID"] or "",
        deprecated_id=ids["deprecatedID"],
        time_end=ids["timeEnd"],
        root=root,
    )


def _meta_text(meta: ET.Element | None, name: str) -> str | None:
    found = None if meta is None else child(meta, name)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def find_path(root: ET.Element, path: str) -> ET.Element | None:
    """The element at a spec path (/data/group/name) below the instance's root."""
    element: ET.Element | None = root
    for name in path.strip("/").split("/")[1:]:
        if element is None:
            return None
        element = child(element, name)
    return element


def answers_from(spec: Mapping[str, Any], root: ET.Element) -> dict[str, Any]:
    """The answers of the instance, by question name; empty elements are unanswered."""
    answers: dict[str, Any] = {}
    for question in spec["questions"]:
        if question["type"] in NO_ANSWER_TYPES:
            continue
        element = find_path(root, question["path"])
        if element is None or len(element) or not (element.text or "").strip():
            continue
        answers[question["name"]] = _value(question["type"], element.text or "")
    return answers


def _value(kind: str, text: str) -> Any:
    if kind == "text":
        return text  # as typed, spaces included
    if kind == "select_multiple":
        return text.split()
    if kind == "time":
        match = ODK_TIME.match(text.strip())
        return match.group(1) if match else text.strip()
    return text.strip()


def station_and_visit(answers: dict[str, Any]) -> tuple[str | None, Any]:
    """The report's station and visit by the naming convention (see the module docstring)."""
    station = answers.get(STATION_QUESTION)
    visit = answers.get(VISIT_QUESTION)
    if isinstance(visit, str) and visit.isdigit():
        visit = int(visit)
    return (str(station).strip() or None) if station is not None else None, visit or 1


# --- documents for ODK Collect ---------------------------------------------------------


def served_xform(xform: str, version: str) -> str:
    """The XForm as served: its primary instance's root carries the version attribute.

    pyxform writes `version` only when the settings sheet has one; pollwatch then numbers
    the version itself, and ODK Collect must send that number back in each instance.
    """
    match = PRIMARY_ROOT.search(xform)
    if match is None or re.search(r"\bversion\s*=", match.group("attrs")):
        return xform
    attribute = f' version="{_attribute(version)}"'
    return xform[: match.start("end")] + attribute + xform[match.start("end") :]


def _attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def xform_hash(text: str) -> str:
    """The form list's hash: md5 of the document exactly as served (not a security use)."""
    return "md5:" + hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class ListedForm:
    form_id: str
    name: str
    version: str
    hash: str
    download_url: str


def form_list(forms: list[ListedForm]) -> bytes:
    """The OpenRosa form list document."""
    root = ET.Element("xforms", xmlns=XFORMS_LIST)
    for form in forms:
        item = ET.SubElement(root, "xform")
        for tag, text in (
            ("formID", form.form_id),
            ("name", form.name),
            ("version", form.version),
            ("hash", form.hash),
            ("downloadUrl", form.download_url),
        ):
            ET.SubElement(item, tag).text = text
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def openrosa_response(message: str, *, nature: str = "") -> bytes:
    """The OpenRosa response document ODK Collect shows to the observer."""
    root = ET.Element("OpenRosaResponse", xmlns=OPENROSA_RESPONSE)
    element = ET.SubElement(root, "message")
    if nature:
        element.set("nature", nature)
    element.text = message
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
