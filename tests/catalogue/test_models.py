"""Small behaviours of the catalogue models and the completeness of their English translation."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from finegrid.catalogue.actions import LoadResult
from finegrid.catalogue.models import (
    Category,
    FilingRule,
    FilingRuleLimit,
    MajorClass,
    format_limit,
    limit_text,
)

PO_FILE = (
    Path(__file__).resolve().parents[2]
    / "finegrid"
    / "catalogue"
    / "locale"
    / "en"
    / "LC_MESSAGES"
    / "django.po"
)


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        ("2.00", "working_days", "2 工作日"),
        ("0.50", "working_hours", "0.5 工作时"),
        ("20", "urgent_hours", "20 紧急工作时"),
        ("15", "calendar_days", "15 自然日"),
    ],
)
def test_format_limit(amount: str, unit: str, text: str) -> None:
    assert format_limit(Decimal(amount), unit) == text
    assert limit_text(Decimal(amount), unit) == text


def test_format_limit_is_translated_but_limit_text_is_data() -> None:
    with translation.override("en"):
        assert format_limit(Decimal("2"), "working_days") == "2 working days"
        assert limit_text(Decimal("2"), "working_days") == "2 工作日"


def test_every_message_has_an_english_translation() -> None:
    text = PO_FILE.read_text(encoding="utf-8")
    entries = re.findall(r'\nmsgid ((?:"[^\n]*"\n)+)msgstr ((?:"[^\n]*"\n)+)', text)
    untranslated = [
        msgid for msgid, msgstr in entries if msgid.strip() != '""' and msgstr.strip() == '""'
    ]

    assert len(entries) > 100
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert PO_FILE.with_suffix(".mo").is_file()


@pytest.mark.django_db
def test_limit_for_uses_a_prefetch(
    catalogue: LoadResult, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    rules = list(FilingRule.objects.filter(category__code="01001").prefetch_related("limits"))

    with django_assert_num_queries(0):
        limits = [rule.limit_for("A") for rule in rules]

    assert limits == [(Decimal("2"), "urgent_hours")] * 4


@pytest.mark.django_db
def test_the_database_refuses_a_non_positive_limit(catalogue: LoadResult) -> None:
    rule = FilingRule.objects.get(category__kind="part", category__code="01001", order=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        FilingRule.objects.filter(pk=rule.pk).update(limit_amount=Decimal("0"))
    with pytest.raises(IntegrityError), transaction.atomic():
        FilingRuleLimit.objects.create(rule=rule, urgency="B", amount=Decimal("1"), unit="hours")

    rule.refresh_from_db()
    assert rule.limit_amount == Decimal("4")
    assert list(rule.limits.values_list("urgency", flat=True)) == ["A"]


@pytest.mark.django_db
def test_the_same_code_twice_in_one_kind_is_refused(catalogue: LoadResult) -> None:
    part = Category.objects.get(kind="part", code="01001")

    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(
            kind="part",
            major=part.major,
            code="01001",
            name="重复",
            department_type=part.department_type,
        )

    assert Category.objects.filter(code="01001").count() == 2


@pytest.mark.django_db
def test_category_clean_checks_its_major_class(catalogue: LoadResult) -> None:
    category = Category.objects.get(kind="part", code="01001")
    category.major = MajorClass.objects.get(kind="matter", code="01")

    with pytest.raises(ValidationError) as caught:
        category.clean()

    assert caught.value.message_dict == {"major": ["大类的类型应与小类一致"]}
