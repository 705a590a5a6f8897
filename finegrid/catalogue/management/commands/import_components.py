"""`manage.py import_components FILE`: import a component inventory (CSV or GeoJSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from finegrid.catalogue.actions import import_components
from finegrid.catalogue.errors import CatalogueImportError


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "导入管理部件普查数据（CSV 或 GeoJSON）。字段名采用 GB/T 47678.5-2026 的属性名称"
            "（如“管理部件标识码”）或其缩写（如 GLBJBSM）；日期为 YYYYMMDD；CSV 可带“经度/纬度”"
            "或 lon/lat 列，GeoJSON 取 Point 几何作为位置（WGS-84）。有任何一行出错则全部不导入，"
            "并列出每个问题；按部件标识码更新已有部件，重复导入同一文件不产生重复数据。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("CSV 或 GeoJSON 文件路径"))

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            result = import_components(path=path)
        except CatalogueImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("未导入：共 %(n)d 个问题，请修改文件后重新导入。") % {"n": len(exc.problems)}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("导入完成：新增 %(created)d 个，更新 %(updated)d 个，未变 %(unchanged)d 个。")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
        )
