"""The shapes of the spec's examples (../shared/open311/spec_examples), to compare ours with.

The examples are read, never copied: a checkout without ../shared skips with the reason. Shapes
are sets of paths (``/request/status``), so that two documents with the same elements in the same
nesting compare equal whatever their values and however many items they list.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from tests.conftest import shared_path


def example_text(name: str) -> str:
    """An example's body, without the "HTTP/1.1 403 Forbidden" line some of them start with."""
    text = shared_path("open311", "spec_examples", name).read_text(encoding="utf-8")
    starts = [i for i in (text.find("<?xml"), text.find("["), text.find("{")) if i >= 0]
    return text[min(starts) :]


def xml_root(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def xml_shape(element: ET.Element, path: str = "") -> set[str]:
    path = path or f"/{element.tag}"
    paths = {path}
    for child in element:
        paths |= xml_shape(child, f"{path}/{child.tag}")
    return paths


def example_xml(name: str) -> ET.Element:
    return xml_root(example_text(name))


def example_json(name: str) -> Any:
    # The examples write codes as bare numbers with leading zeros ("service_code":001), which
    # JSON does not allow: read them as the strings they are.
    text = re.sub(r'(":\s*)(0\d+)', r'\1"\2"', example_text(name))
    return json.loads(text)


def json_shape(value: Any, prefix: str = "") -> set[str]:
    paths = {prefix or "/"}
    if isinstance(value, dict):
        for key, inner in value.items():
            paths |= json_shape(inner, f"{prefix}/{key}")
    elif isinstance(value, list):
        for inner in value:
            paths |= json_shape(inner, f"{prefix}[]")
    return paths
