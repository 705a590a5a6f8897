"""Open311 documents as JSON or as XML in the shape of the spec's examples.

A document is plain data: dicts keep the spec's field order, lists become repeated elements named
by `ITEM_NAMES` (``attributes`` → ``attribute``), None is JSON null and an empty XML element.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any, Final

from django.http import HttpResponse

FORMATS: Final = ("json", "xml")
CONTENT_TYPES: Final = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
XML_DECLARATION: Final = '<?xml version="1.0" encoding="utf-8"?>\n'
#: The element of each item of a list-valued field.
ITEM_NAMES: Final = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
#: What XML 1.0 cannot carry; stored text may hold it (typed in before any check existed).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

#: The Open311 root element and item element of each kind of document.
ROOTS: Final = {
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "discovery": ("discovery", None),
}


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), key, inner)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[name]
        for inner in value:
            _fill(ET.SubElement(element, item_name), item_name, inner)
    else:
        element.text = _scalar(value)


def to_xml(kind: str, document: Any) -> str:
    root_name, item_name = ROOTS[kind]
    root = ET.Element(root_name)
    if item_name is None:
        _fill(root, root_name, document)
    else:
        for item in document:
            _fill(ET.SubElement(root, item_name), item_name, item)
    ET.indent(root, space="    ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode", short_empty_elements=False)


def to_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def respond(fmt: str, kind: str, document: Any, *, status: int = 200) -> HttpResponse:
    """The document in `fmt` (json, or xml; anything else is answered in JSON)."""
    if fmt == "xml":
        return HttpResponse(to_xml(kind, document), status=status, content_type=CONTENT_TYPES[fmt])
    return HttpResponse(to_json(document), status=status, content_type=CONTENT_TYPES["json"])
