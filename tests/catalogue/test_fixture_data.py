"""The project's own fixtures: faithful to the standard, every limit sane, rebuilt byte for byte."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finegrid.catalogue.actions import CATALOGUE_FIXTURE, LEGACY_FIXTURE
from finegrid.catalogue.data import build_fixture
from finegrid.catalogue.importing import COMPONENT_FIELDS

# Rough hours of each unit, only to compare an urgency limit with its default.
APPROXIMATE_HOURS = {
    "urgent_hours": Decimal(1),
    "working_hours": Decimal(1),
    "working_days": Decimal(8),
    "calendar_days": Decimal(24),
}


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def hours(limit: dict[str, str]) -> Decimal:
    return Decimal(limit["amount"]) * APPROXIMATE_HOURS[limit["unit"]]


def test_fixture_is_our_format_not_a_copy_of_the_csv() -> None:
    catalogue = load(CATALOGUE_FIXTURE)
    first = catalogue["categories"][0]

    assert catalogue["format"] == "finegrid.catalogue/1"
    assert sorted(first) == [
        "action_tags",
        "active",
        "code",
        "department_type",
        "derivation",
        "filing_rules",
        "kind",
        "major_code",
        "major_name",
        "name",
        "notes",
    ]
    assert first["derivation"] == {
        "profile": "cover (keyword:井盖)",
        "department": "keyword:供水",
        "action_tags": ["keyword:井盖"],
    }


def test_an_urgency_limit_is_never_looser_than_the_default() -> None:
    loose = [
        (c["kind"], c["code"], rule["order"], urgency)
        for c in load(CATALOGUE_FIXTURE)["categories"]
        for rule in c["filing_rules"]
        for urgency, limit in rule["urgency_limits"].items()
        if hours(limit) > hours(rule["limit"])
    ]
    assert loose == []


def test_urgent_limits_are_wall_clock_hours_and_majors_are_not_slower_than_ordinary() -> None:
    rules = [r for c in load(CATALOGUE_FIXTURE)["categories"] for r in c["filing_rules"]]
    urgent_units = {r["urgency_limits"]["A"]["unit"] for r in rules if "A" in r["urgency_limits"]}
    both = [r for r in rules if {"A", "B"} <= set(r["urgency_limits"])]

    assert urgent_units == {"urgent_hours"}
    assert [
        r for r in both if hours(r["urgency_limits"]["A"]) > hours(r["urgency_limits"]["B"])
    ] == []


def test_conditions_and_closing_criteria_name_their_subject() -> None:
    blank = [
        (c["kind"], c["code"])
        for c in load(CATALOGUE_FIXTURE)["categories"]
        for r in c["filing_rules"]
        if not r["condition"].strip()
        or not r["closing_criterion"].strip()
        or "{n}" in r["condition"]
    ]
    assert blank == []


def test_legacy_fixture_counts() -> None:
    legacy = load(LEGACY_FIXTURE)

    assert legacy["sources"] == [
        {
            "source": "北京朝阳 2013",
            "file": "legacy-beijing-chaoyang-2013-categories.csv",
            "rows": 187,
            "matches": {"exact": 73, "normalised": 10, "none": 104},
        },
        {
            "source": "2013 版事件分类",
            "file": "legacy-event-catalogue-2013-style.csv",
            "rows": 54,
            "matches": {"exact": 25, "normalised": 2, "none": 27},
        },
    ]


def test_fixture_holds_exactly_the_standards_categories(standards_dir: Path) -> None:
    with (standards_dir / "gbt47678-5-2026-catalogue.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    kinds = {"管理部件": "part", "管理事项": "matter"}
    expected = {
        (kinds[r["kind"]], r["major_code"], r["major_name"], r["code5"], r["name"]) for r in rows
    }

    fixture = {
        (c["kind"], c["major_code"], c["major_name"], c["code"], c["name"])
        for c in load(CATALOGUE_FIXTURE)["categories"]
    }

    assert fixture == expected
    assert len(fixture) == 403


def test_build_script_reproduces_the_committed_fixtures(
    standards_dir: Path, tmp_path: Path
) -> None:
    build_fixture.main(["--standards", str(standards_dir), "--out", str(tmp_path)])

    assert (tmp_path / CATALOGUE_FIXTURE.name).read_bytes() == CATALOGUE_FIXTURE.read_bytes()
    assert (tmp_path / LEGACY_FIXTURE.name).read_bytes() == LEGACY_FIXTURE.read_bytes()


def test_every_keyword_of_the_build_rules_matches_a_category(standards_dir: Path) -> None:
    rows = build_fixture.read_catalogue(standards_dir / build_fixture.CATALOGUE_CSV)

    assert build_fixture.unused_keywords(r.name for r in rows) == []


@pytest.mark.parametrize(
    ("subject", "profile"),
    [
        ("化粪池井盖", "cover"),  # a cover, though 化粪池 has its own profile
        ("路灯配电箱", "box"),  # a box, though 路灯 has its own profile
        ("电力设施标识牌", "sign"),
        ("充电桩", "street_furniture"),  # not a bollard (桩)
        ("某某设施", "generic_part"),
    ],
)
def test_part_profile_precedence(subject: str, profile: str) -> None:
    chosen, _keyword = build_fixture.choose_profile(kind="part", major_code="01", subject=subject)
    assert chosen.key == profile


def test_component_fields_follow_the_standards_attribute_table(standards_dir: Path) -> None:
    with (standards_dir / "gbt47678-5-2026-attributes.csv").open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["applies_to"] == "管理部件"]

    expected = [
        (r["field_name"], r["abbr"], int(r["length"]), r["requirement"] == "M") for r in rows
    ]

    assert [(f.name, f.abbr, f.length, f.required) for f in COMPONENT_FIELDS] == expected
