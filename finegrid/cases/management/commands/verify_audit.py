"""`manage.py verify_audit`: recompute the case events' hash chains and name every broken row."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from finegrid.cases.events import AuditProblem, verify_chain
from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.replay import verify_rows


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "校验案卷事件的哈希链（每个案卷的链和全局链）：列出每条被修改的记录、"
            "被删除记录之后的那一条和不符的链尾，有问题时以状态码1退出。"
        )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--rows",
            action="store_true",
            help=_("同时用事件重演每个案卷，列出与事件不符的案卷字段（案卷表被直接修改）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Counted first: events appended while the chain is read are verified on the next run.
        count = CaseEvent.objects.count()
        problems = verify_chain()
        numbers = dict(
            Case.objects.filter(pk__in={p.case_id for p in problems}).values_list("pk", "case_no")
        )
        lines = [self._describe(problem, numbers) for problem in problems]
        if options["rows"]:
            lines += [
                _("案卷 %(case_no)s 的“%(field)s”为 %(row)s，而事件重演为 %(events)s")
                % {"case_no": m.case_no, "field": m.field, "row": m.row, "events": m.events}
                for m in verify_rows()
            ]
        for line in lines:
            self.stderr.write(line)
        if lines:
            raise CommandError(
                _("审计发现 %(count)d 处问题（共 %(events)d 条事件）")
                % {"count": len(lines), "events": count},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("审计链完整：%(count)d 条事件") % {"count": count}))

    @staticmethod
    def _describe(problem: AuditProblem, numbers: dict[int, str]) -> str:
        if problem.event_id is None:
            return _("链尾：%(reason)s") % {"reason": problem.reason}
        case_no = numbers.get(problem.case_id or 0, str(problem.case_id))
        return _("事件 #%(id)d（案卷 %(case_no)s 第 %(seq)s 步）：%(reason)s") % {
            "id": problem.event_id,
            "case_no": case_no,
            "seq": problem.seq,
            "reason": problem.reason,
        }
