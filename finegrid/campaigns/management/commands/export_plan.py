"""`manage.py export_plan --plan ID --out FILE`: write a plan as the workbook import_plan reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from finegrid.campaigns.models import Plan
from finegrid.campaigns.spreadsheets import export_plan


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "把一个行动计划导出为Excel工作簿（.xlsx）：“计划”和“任务清单”两个工作表，格式与 "
            "import_plan 读取的相同，另附状态、进度、销号时间、销号人四列供查看。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", type=int, required=True, help=_("行动计划的编号（ID）"))
        parser.add_argument("--out", type=Path, required=True, help=_("要写入的 .xlsx 文件路径"))

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan.objects.filter(pk=options["plan"]).first()
        if plan is None:
            raise CommandError(_("找不到编号为%(id)d的行动计划") % {"id": options["plan"]})
        path: Path = options["out"]
        try:
            path.write_bytes(export_plan(plan))
        except OSError as exc:
            raise CommandError(
                _("无法写入%(path)s：%(reason)s") % {"path": path, "reason": exc.strerror}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("已导出《%(title)s》（%(tasks)d 项任务）到 %(path)s")
                % {"title": plan.title, "tasks": plan.tasks.count(), "path": path}
            )
        )
