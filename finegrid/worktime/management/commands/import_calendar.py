"""`manage.py import_calendar FILE --year 2027`: load a year's holidays and make-up workdays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from finegrid.worktime.actions import import_calendar_year
from finegrid.worktime.importing import CalendarFileInvalid, read_calendar_file
from finegrid.worktime.models import FIRST_YEAR, LAST_YEAR


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = gettext(
            "从 CSV 文件（每行 date,kind,name；kind 为 holiday 放假 或 workday 调休上班）导入一年的"
            "节假日和调休上班日。文件即该年的全部例外日期：有任何一行出错则什么也不导入；重复导入结果不变。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=gettext("CSV 文件路径（UTF-8 编码）"))
        parser.add_argument(
            "--year", type=int, required=True, help=gettext("文件所属的年份，例如 2027")
        )
        parser.add_argument(
            "--note", default="", help=gettext("年份备注，例如 国务院办公厅通知的文号")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise CommandError(
                gettext("年份 %(year)d 超出范围 %(first)d–%(last)d")
                % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR}
            )
        try:
            days = read_calendar_file(options["file"], year=year)
        except CalendarFileInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            raise CommandError(
                gettext("共 %(count)d 处错误，未导入任何数据。") % {"count": len(invalid.errors)}
            ) from None
        try:
            result = import_calendar_year(year=year, days=days, note=options["note"])
        except ValidationError as invalid:
            raise CommandError("；".join(invalid.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                gettext(
                    "已导入 %(year)d 年日历：新增 %(created)d 天，更新 %(updated)d 天，"
                    "删除 %(deleted)d 天，未变 %(unchanged)d 天。"
                )
                % {
                    "year": result.year,
                    "created": result.created,
                    "updated": result.updated,
                    "deleted": result.deleted,
                    "unchanged": result.unchanged,
                }
            )
        )
