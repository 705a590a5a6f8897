"""`manage.py import_categories FILE`: import a city's edited catalogue (the export_categories CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from finegrid.catalogue.actions import import_categories_csv
from finegrid.catalogue.errors import CatalogueImportError


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "导入本市修改后的小类目录 CSV（格式同 export_categories 导出的文件，每个立案条件一行）。"
            "文件中列出的小类、立案条件和分级时限按文件内容新增或更新，未列出的保持不变；"
            "有任何一行出错则全部不导入。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("CSV 文件路径"))

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            result = import_categories_csv(path=path)
        except CatalogueImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("未导入：共 %(n)d 个问题，请修改文件后重新导入。") % {"n": len(exc.problems)}
            ) from None
        for label, counts in ((_("小类"), result.categories), (_("立案条件"), result.filing_rules)):
            self.stdout.write(
                _("%(label)s：新增 %(created)d 个，更新 %(updated)d 个，未变 %(unchanged)d 个。")
                % {
                    "label": label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
