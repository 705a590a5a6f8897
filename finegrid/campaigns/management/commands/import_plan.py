"""`manage.py import_plan FILE --as USERNAME`: create an action plan from a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from finegrid.campaigns.errors import CampaignError, ImportRefused
from finegrid.campaigns.spreadsheets import import_plan
from finegrid.org.models import User


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "从Excel工作簿（.xlsx）导入一个行动计划：“计划”工作表写标题、文号、印发机关、开始日期、"
            "结束日期、进度报送周期，“任务清单”工作表每行一项任务（格式见 export_plan 导出的文件"
            "或模板第一行的填写说明）。先检查每一行，有任何问题则逐行列出并全部不导入。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("要导入的 .xlsx 文件路径"))
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help=_("以哪个用户的名义导入（须为督查员、领导或系统管理员）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(_("找不到启用的用户“%(name)s”") % {"name": options["username"]})
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("无法读取%(path)s：%(reason)s") % {"path": path, "reason": exc.strerror}
            ) from None
        try:
            plan = import_plan(actor=actor, data=data, filename=path.name)
        except ImportRefused as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                _("未导入：共 %(n)d 个问题，请修改文件后重新导入。") % {"n": len(exc.problems)}
            ) from None
        except CampaignError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            _("已导入《%(title)s》（编号 %(id)d），共 %(categories)d 个类别、%(tasks)d 项任务。")
            % {
                "title": plan.title,
                "id": plan.pk,
                "categories": plan.categories.count(),
                "tasks": plan.tasks.count(),
            }
        )
