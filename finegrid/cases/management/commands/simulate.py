"""`manage.py simulate`: fill the demo city with realistic cases, through the real actions."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from finegrid.cases.models import Case
from finegrid.cases.simulate import (
    DEFAULT_DAYS,
    DEFAULT_PER_DAY,
    SimulationError,
    simulate,
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(
            _("“%(text)s”不是 YYYY-MM-DD 格式的日期") % {"text": text}
        ) from None


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance, translated in the language active when the command runs.
        self.help = _(
            "模拟若干天的城市管理业务：监督员巡查上报、市民和12345热线举报，以及受理、核实、立案、"
            "派遣、处置（含超期、延期、回退、挂账、返工）、核查、结案，全部通过真实的业务动作"
            "按工作日历在模拟时间中完成。同一种子结果相同。只用于演示库。"
        )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=_("模拟天数（默认 %(default)s）") % {"default": DEFAULT_DAYS},
        )
        parser.add_argument("--seed", type=int, default=0, help=_("随机种子（默认 0）"))
        parser.add_argument(
            "--start",
            type=_date,
            default=None,
            help=_("第一天，YYYY-MM-DD（默认：截至昨天的最近若干天）"),
        )
        parser.add_argument(
            "--per-day",
            type=int,
            default=DEFAULT_PER_DAY,
            help=_("每个工作日的平均上报数（默认 %(default)s；休息日约为四分之一）")
            % {"default": DEFAULT_PER_DAY},
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("只在还没有任何案卷时运行（make demo 重复运行时不会再叠加一次模拟）"),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=_("在 FINEGRID_DEBUG 关闭时也运行（切勿用于真实城市的数据库）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                _(
                    "simulate 会写入虚构的案卷：请在 FINEGRID_DEBUG=1 下运行，或加 --allow-production"
                )
            )
        if options["if_empty"] and Case.objects.exists():
            self.stdout.write(_("已有案卷，不再模拟（--if-empty）"))
            return
        progress = self.stdout.write if options["verbosity"] >= 2 else None
        try:
            result = simulate(
                days=options["days"],
                seed=options["seed"],
                start=options["start"],
                per_day=options["per_day"],
                progress=progress,
            )
        except SimulationError as exc:
            raise CommandError(str(exc)) from None
        for line in result.lines():
            self.stdout.write(line)
        if result.audit_problems:
            raise CommandError(_("审计链校验未通过"))
