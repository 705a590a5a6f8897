"""`manage.py load_catalogue`: create what is missing of the GB/T 47678.5-2026 and 2013 catalogues."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from finegrid.catalogue.actions import load_catalogue
from finegrid.catalogue.errors import CatalogueImportError


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "加载项目自带的部件事项目录（GB/T 47678.5-2026 的403个小类及其立案条件、处置时限、"
            "行动标签）和2013版旧目录及其对应关系。只创建缺少的数据，不修改已有数据，可重复运行。"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_catalogue()
        except CatalogueImportError as exc:
            raise CommandError("\n".join(str(p) for p in exc.problems)) from None
        if result.total == 0:
            self.stdout.write(_("目录已完整，未创建新数据。"))
            return
        for model, count in result.created.items():
            self.stdout.write(f"{model}: +{count}")
        self.stdout.write(self.style.SUCCESS(_("共创建 %(n)d 条数据。") % {"n": result.total}))
