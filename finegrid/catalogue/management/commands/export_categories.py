"""`manage.py export_categories FILE`: write the catalogue as the CSV that import_categories reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from finegrid.catalogue.exports import export_categories_csv


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "把当前小类目录（含立案条件和处置时限）导出为 CSV（UTF-8，带 BOM，Excel 可直接打开），"
            "修改后可用 import_categories 导回。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("要写入的 CSV 文件路径"))

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        rows = export_categories_csv(path=path)
        self.stdout.write(
            self.style.SUCCESS(_("已导出 %(n)d 行到 %(path)s") % {"n": rows, "path": path})
        )
