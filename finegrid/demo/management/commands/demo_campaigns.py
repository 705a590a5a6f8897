"""manage.py demo_campaigns [--if-empty] [--seed N]: the demo city's campaigns (see finegrid.demo.campaigns)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finegrid.demo.campaigns import DemoCampaignsError, build, has_demo_campaigns


class Command(BaseCommand):
    help = (
        "Build the demo city's campaigns through the real actions, dated in the past: a three-year "
        "plan with progress, notices and tick-offs, a site registry, last month's undercover round "
        "with its rectifications and cases, a mock civilised-city assessment, and last month's "
        "departments-campaigns evaluation (published, or a correction of the run demo_rankings "
        "published). Run after seed_demo and demo_rankings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when an action plan already exists",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed gives the same data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and has_demo_campaigns():
            self.stdout.write("已有行动计划，跳过（--if-empty）")
            return
        try:
            summary = build(seed=options["seed"])
        except DemoCampaignsError as error:
            raise CommandError(str(error)) from None
        lights = summary.lights
        self.stdout.write(self.style.SUCCESS(f"《{summary.plan.title}》：{summary.tasks} 项任务"))
        self.stdout.write(
            f"  今日：滞后 {lights['red']}、风险 {lights['yellow']}、正常 {lights['green']}、"
            f"已销号 {lights['done']}"
        )
        self.stdout.write(
            f"  测评点位 {summary.sites} 个；暗访 {summary.visits} 个点位，未达标 {summary.failures} 项，"
            f"整改事项 {summary.rectifications} 项（已销号 {summary.rectifications_ticked_off}），"
            f"立案 {summary.cases} 件"
        )
        self.stdout.write(
            f"  模拟测评得分 {summary.scoreboard_total}，整改到位后可达 {summary.simulated_total}"
            f"（材料审核和问卷 {summary.reviews} 项）"
        )
        if summary.run is not None:
            corrected = f"，更正批次#{summary.run.corrects_id}" if summary.run.corrects_id else ""
            self.stdout.write(
                f"  考核批次#{summary.run.pk} {summary.run.scheme.name} {summary.run.period}"
                f"（已发布{corrected}）"
            )
