"""The 2013-style catalogues kept beside the 2026 one, and how their names map onto it."""

from __future__ import annotations

import pytest

from finegrid.catalogue.actions import LoadResult
from finegrid.catalogue.legacy import MatchMethod, match_name, normalise_name
from finegrid.catalogue.models import MATCH_METHOD_LABELS, LegacyCategory


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("道路遗撒（洒）", "道路遗撒"),  # a bracketed variant, full-width brackets
        ("道路积雪、结冰", "道路积雪结冰"),  # punctuation
        ("上水井盖", "供水井盖"),  # 2013 wording
        ("有线电视井盖", "电视井盖"),
        ("电信交接箱", "通信交接箱"),
        ("私自饲养家禽家畜", "擅自饲养家禽家畜"),
        ("  路灯 ", "路灯"),
    ],
)
def test_normalise_name(name: str, normalised: str) -> None:
    assert normalise_name(name) == normalised


def test_exact_name_wins_over_a_normalised_one() -> None:
    candidates = [("01049", "燃气调压站（箱）"), ("01999", "燃气调压站")]
    assert match_name("燃气调压站（箱）", candidates) == ("01049", MatchMethod.EXACT)


def test_an_ambiguous_normalised_name_matches_nothing() -> None:
    candidates = [("06013", "道路破损（区管）"), ("06099", "道路破损（市管）")]
    assert match_name("道路破损", candidates) == (None, MatchMethod.NONE)


def test_every_match_method_has_a_label() -> None:
    assert set(MATCH_METHOD_LABELS) == set(MatchMethod)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "legacy_code", "name", "kind", "code", "new_name", "method"),
    [
        ("北京朝阳 2013", "100102", "污水井盖", "part", "01002", "污水井盖", "exact"),
        ("北京朝阳 2013", "100101", "上水井盖", "part", "01001", "供水井盖", "normalised"),
        ("北京朝阳 2013", "100304", "垃圾间", "part", "03004", "垃圾间（楼）", "normalised"),
        ("北京朝阳 2013", "200102", "暴露垃圾", "matter", "06010", "暴露垃圾", "exact"),
        (
            "北京朝阳 2013",
            "200142",
            "道路破损（市属）",
            "matter",
            "06013",
            "道路破损",
            "normalised",
        ),
        ("2013 版事件分类", "0102", "暴露垃圾", "matter", "06010", "暴露垃圾", "exact"),
        (
            "2013 版事件分类",
            "0407",
            "道路积雪结冰",
            "matter",
            "10001",
            "道路积雪、结冰",
            "normalised",
        ),
    ],
)
def test_legacy_codes_map_to_the_new_catalogue(
    catalogue: LoadResult,
    source: str,
    legacy_code: str,
    name: str,
    kind: str,
    code: str,
    new_name: str,
    method: str,
) -> None:
    legacy = LegacyCategory.objects.select_related("maps_to").get(
        source=source, legacy_code=legacy_code
    )
    assert legacy.minor_name == name
    assert legacy.maps_to is not None
    assert (legacy.maps_to.kind, legacy.maps_to.code, legacy.maps_to.name) == (kind, code, new_name)
    assert legacy.match_method == method


@pytest.mark.django_db
def test_unmatched_legacy_codes_stay_unmapped(catalogue: LoadResult) -> None:
    legacy = LegacyCategory.objects.get(source="北京朝阳 2013", legacy_code="100203")
    assert (legacy.minor_name, legacy.maps_to, legacy.match_method) == ("公交站亭", None, "none")


@pytest.mark.django_db
def test_mapping_figures_per_source(catalogue: LoadResult) -> None:
    rows = LegacyCategory.objects.values_list("source", "match_method")
    figures: dict[tuple[str, str], int] = {}
    for key in rows:
        figures[key] = figures.get(key, 0) + 1

    assert figures == {
        ("北京朝阳 2013", "exact"): 73,
        ("北京朝阳 2013", "normalised"): 10,
        ("北京朝阳 2013", "none"): 104,
        ("2013 版事件分类", "exact"): 25,
        ("2013 版事件分类", "normalised"): 2,
        ("2013 版事件分类", "none"): 27,
    }


@pytest.mark.django_db
def test_legacy_rows_map_only_to_their_own_kind(catalogue: LoadResult) -> None:
    crossed = LegacyCategory.objects.exclude(maps_to=None).exclude(maps_to__kind=models_kind())
    assert list(crossed) == []


def models_kind() -> object:
    from django.db.models import F

    return F("kind")
