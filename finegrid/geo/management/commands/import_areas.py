"""`manage.py import_areas --city-code 320200 --city-name 无锡市 --districts F [--streets F] [--communities F]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from finegrid.geo.imports import GeoImportError, import_areas
from finegrid.geo.models import AreaLevel


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = gettext(
            "从统计用区划代码 CSV 文件导入市、区(县)、街道(乡镇)、社区(村)。区县文件列为 code,name；"
            "街道文件 code,name,areaCode；社区文件 code,name,streetCode（可有其他列）。有任何一行出错则"
            "什么也不导入；重复导入只更新变化的名称和上级，不会新建重复的区域。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city-code", required=True, help=gettext("市的6位代码，例如 320200"))
        parser.add_argument("--city-name", required=True, help=gettext("市的名称，例如 无锡市"))
        parser.add_argument(
            "--districts", type=Path, required=True, help=gettext("区(县)CSV 文件（UTF-8）")
        )
        parser.add_argument("--streets", type=Path, help=gettext("街道(乡镇)CSV 文件（UTF-8）"))
        parser.add_argument("--communities", type=Path, help=gettext("社区(村)CSV 文件（UTF-8）"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_areas(
                city_code=options["city_code"],
                city_name=options["city_name"],
                districts=options["districts"],
                streets=options["streets"],
                communities=options["communities"],
            )
        except GeoImportError as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                gettext("共 %(count)d 处错误，未导入任何数据。") % {"count": len(refused.problems)}
            ) from None
        for level in AreaLevel:
            counts = report.counts[level]
            self.stdout.write(
                gettext("%(level)s：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d")
                % {
                    "level": level.label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        self.stdout.write(
            self.style.SUCCESS(
                gettext("已导入 %(city)s 的区域：共新增 %(created)d 个，更新 %(updated)d 个。")
                % {"city": report.city_code, "created": report.created, "updated": report.updated}
            )
        )
