"""`manage.py import_calendar FILE --year 2027`: all rows or none, exact messages, safe to rerun."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from finegrid.worktime.calendar import TimeUnit
from finegrid.worktime.models import CalendarDay, CalendarYear
from finegrid.worktime.selectors import deadline, get_calendar
from tests.worktime.support import at

pytestmark = pytest.mark.django_db

GOOD = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,workday,春节
2027-10-01,放假,国庆节
"""


def _write(tmp_path: Path, text: str, name: str = "2027.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(path: Path, year: int = 2027) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_calendar", str(path), "--year", str(year), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _rows() -> list[tuple[object, ...]]:
    return list(CalendarDay.objects.values_list("date", "kind", "name"))


def test_good_file_is_imported_and_the_year_becomes_usable(tmp_path: Path) -> None:
    out, err = _run(_write(tmp_path, GOOD))
    assert out == "已导入 2027 年日历：新增 3 天，更新 0 天，删除 0 天，未变 0 天。\n"
    assert err == ""
    assert _rows() == [
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2027, 2, 6), "workday", "春节"),
        (date(2027, 10, 1), "holiday", "国庆节"),
    ]
    assert list(CalendarYear.objects.values_list("year", flat=True)) == [2027]
    assert get_calendar().is_workday(date(2027, 2, 6)) is True  # a Saturday worked
    assert deadline(at(2027, 2, 5, 17), 2, TimeUnit.WORKING_HOURS) == at(2027, 2, 6, 9)


def test_rerun_changes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    _run(path)
    before = list(CalendarDay.objects.values_list("pk", "date", "kind", "name"))
    out, _ = _run(path)
    assert out == "已导入 2027 年日历：新增 0 天，更新 0 天，删除 0 天，未变 3 天。\n"
    assert list(CalendarDay.objects.values_list("pk", "date", "kind", "name")) == before
    assert CalendarYear.objects.count() == 1


def test_corrected_file_replaces_the_year(tmp_path: Path) -> None:
    _run(_write(tmp_path, GOOD))
    corrected = (
        "2027-01-01,holiday,元旦\n2027-10-01,holiday,国庆节、中秋节\n2027-10-02,holiday,国庆节\n"
    )
    out, _ = _run(_write(tmp_path, corrected, "fixed.csv"))
    assert out == "已导入 2027 年日历：新增 1 天，更新 1 天，删除 1 天，未变 1 天。\n"
    assert _rows() == [
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2027, 10, 1), "holiday", "国庆节、中秋节"),
        (date(2027, 10, 2), "holiday", "国庆节"),
    ]


def test_bad_rows_are_all_reported_and_nothing_is_imported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "date,kind,name\n"
        "2027-01-01,holiday,元旦\n"
        "2027/10/01,holiday,国庆节\n"
        "2026-12-31,holiday,元旦\n"
        "2027-05-01,vacation,劳动节\n"
        "2027-01-01,holiday,元旦\n"
        "2027-05-02\n",
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"^共 5 处错误，未导入任何数据。$"):
        call_command("import_calendar", str(path), "--year", "2027", stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        f"{path} 第 3 行，字段 date：“2027/10/01” 不是 YYYY-MM-DD 格式的日期",
        f"{path} 第 4 行，字段 date：2026-12-31 不在 2027 年内",
        f"{path} 第 5 行，字段 kind：未知的类型“vacation”，应为 holiday（放假）或 workday（调休上班）",
        f"{path} 第 6 行，字段 date：日期 2027-01-01 与第 2 行重复",
        f"{path} 第 7 行，字段 -：应有 3 列（date,kind,name），实际有 1 列",
    ]
    assert out.getvalue() == ""
    assert _rows() == []
    assert CalendarYear.objects.count() == 0


def test_bad_file_leaves_an_earlier_import_untouched(tmp_path: Path) -> None:
    _run(_write(tmp_path, GOOD))
    before = list(CalendarDay.objects.values_list("pk", "date", "kind", "name"))
    with pytest.raises(CommandError):
        _run(_write(tmp_path, "2027-13-01,holiday,元旦\n", "bad.csv"))
    assert list(CalendarDay.objects.values_list("pk", "date", "kind", "name")) == before


def test_missing_and_empty_files_are_refused(tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    err = StringIO()
    with pytest.raises(CommandError, match=r"^共 1 处错误，未导入任何数据。$"):
        call_command("import_calendar", str(missing), "--year", "2027", stderr=err)
    assert err.getvalue() == f"{missing} 第 0 行，字段 -：文件不存在\n"
    empty = _write(tmp_path, "date,kind,name\n", "empty.csv")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_calendar", str(empty), "--year", "2027", stderr=err)
    assert err.getvalue() == f"{empty} 第 0 行，字段 -：文件中没有任何日期行\n"
    assert CalendarYear.objects.count() == 0


def test_year_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^年份 1900 超出范围 1949–2100$"):
        _run(_write(tmp_path, GOOD), year=1900)


def test_spreadsheet_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    out, _ = _run(path)
    assert out == "已导入 2027 年日历：新增 3 天，更新 0 天，删除 0 天，未变 0 天。\n"


def test_file_in_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("2027-01-01,holiday,元旦\n".encode("gbk"))
    err = StringIO()
    with pytest.raises(CommandError, match=r"^共 1 处错误，未导入任何数据。$"):
        call_command("import_calendar", str(path), "--year", "2027", stderr=err)
    assert (
        err.getvalue()
        == f"{path} 第 0 行，字段 -：文件不是 UTF-8 编码，请另存为 UTF-8 格式的 CSV\n"
    )
    assert _rows() == []
