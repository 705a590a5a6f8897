"""The demo city's campaign work, replayed through the campaign actions with dates in the past: a
three-year refined-management plan with its history, a site registry, an undercover round whose
failures became rectifications and cases, a mock civilised-city assessment, and last month's
departments-campaigns evaluation.

Everything is placed relative to today, so the demo looks current whenever it is built; the same
seed over the same seeded city gives the same data.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from django.db import transaction
from django.utils import timezone

from finegrid.campaigns import actions, assessment, inspections, selectors
from finegrid.campaigns.models import (
    IndexTree,
    InspectionRound,
    Method,
    NodeLevel,
    Plan,
    PlanCategory,
    PlanKind,
    RoundKind,
    SiteType,
    Task,
    TaskKind,
    TaskStatus,
)
from finegrid.cases.photos import Photo
from finegrid.evaluation.actions import evaluate, publish_run
from finegrid.evaluation.models import Run, RunStatus, Scheme
from finegrid.evaluation.periods import Period, PeriodKind
from finegrid.geo.models import Grid
from finegrid.org.models import Unit, User

PLAN_ISSUER: Final = "示范市城市管理委员会"
INDEX_NAME: Final = "示范市文明城市测评体系（模拟）"
SCHEME_CODE: Final = "departments-campaigns"
#: How many months before this month the plan began: enough history for every kind of story.
PLAN_MONTHS_AGO: Final = 8
#: Sites drawn per site type of the checklist in the undercover round.
DRAWN_PER_TYPE: Final = 2
#: Failed checklist items in the round (one of them an item that files no case).
FAILURES: Final = 8

Outcome = Literal["open", "ticked", "awaiting"]


class DemoCampaignsError(RuntimeError):
    """The demo city is not there to build on (run seed_demo first)."""


@dataclass(frozen=True)
class Dates:
    """The days the demo's history is written against."""

    now: dt.datetime
    today: dt.date
    plan_start: dt.date
    last_month: Period

    def lm(self, day: int) -> dt.date:
        """A day of last month (1–28, so every month has it)."""
        return self.last_month.start + dt.timedelta(days=day - 1)

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def months(self, n: int) -> dt.date:
        """The first day of the month n months after the plan began."""
        index = self.plan_start.year * 12 + self.plan_start.month - 1 + n
        return dt.date(index // 12, index % 12 + 1, 1)

    def at(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        # Nothing is written in the future, even on the first days of a month.
        return min(moment, self.now - dt.timedelta(minutes=30))


def demo_dates(now: dt.datetime | None = None) -> Dates:
    now = now or timezone.now()
    today = timezone.localdate(now)
    this_month = Period.containing(PeriodKind.MONTH, today)
    start = this_month
    for _ in range(PLAN_MONTHS_AGO):
        start = start.previous()
    return Dates(now, today, start.start, this_month.previous())


@dataclass(frozen=True)
class TaskSpec:
    """One line of the plan and what happened to it since."""

    number: str
    title: str
    lead: str
    deadline: dt.date
    description: str = ""
    co: tuple[str, ...] = ()
    target_text: str = ""
    target_value: int | None = None
    target_unit: str = ""
    #: The figure the work began from (for a rate), so reported values climb towards the target.
    base: float = 0.0
    starts_on: dt.date | None = None
    milestones: tuple[tuple[str, dt.date, int], ...] | None = None
    outcome: Outcome = "open"
    #: Last reported progress of an open task; None: whatever keeps it on track today.
    progress: int | None = None
    last_report: dt.date | None = None
    requested_on: dt.date | None = None
    decided_on: dt.date | None = None
    acceptor: str = "supervisor"
    evidence: str = ""
    #: A supervision notice on the way: (issuer, reason, issued, reply due, reply, replied).
    notice: tuple[str, str, dt.date, dt.date, str, dt.date] | None = None
    children: tuple[TaskSpec, ...] = ()


def _unit(name: str) -> Unit:
    try:
        return Unit.objects.get(name=name)
    except Unit.DoesNotExist:
        raise DemoCampaignsError(f"演示城市缺少单位“{name}”，请先运行 seed_demo") from None


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise DemoCampaignsError(f"演示城市缺少账号“{username}”，请先运行 seed_demo") from None


def _responsible(unit: Unit) -> User:
    user = selectors.default_responsible(unit)
    if user is None:
        raise DemoCampaignsError(f"“{unit.name}”没有可担任责任人的人员")
    return user


# --- the plan ---------------------------------------------------------------------------------

CATEGORIES: Final = ("市容环境", "道路设施", "园林绿化", "违法建设治理", "智慧城管")
CITY_UM: Final = "示范市城市管理局"
STREET_OFFICES: Final = (
    "明湖区湖滨街道办事处",
    "明湖区鼓楼街道办事处",
    "明湖区解放路街道办事处",
    "青山区青山街道办事处",
    "青山区工业园街道办事处",
    "青山区桃源镇办事处",
    "江滨区江滨街道办事处",
    "江滨区新城街道办事处",
)
#: The journey's task: red, led by 明湖区城市管理局, its department admin responsible.
JOURNEY_TASK_TITLE: Final = "明湖区：存量违法建设拆除（第一阶段）"


def _plan_specs(d: Dates) -> list[list[TaskSpec]]:
    """The plan's tasks by category; dates are chosen so today's board has every light."""
    year_end = d.months(12) - dt.timedelta(days=1)
    later = d.months(18) - dt.timedelta(days=1)
    sub_start = d.months(1)

    def red_steps(due: dt.date, wanted: int) -> tuple[tuple[str, dt.date, int], ...]:
        return (("部署启动", d.months(1) + dt.timedelta(days=14), 10), ("阶段目标", due, wanted))

    def yellow_steps(wanted: int) -> tuple[tuple[str, dt.date, int], ...]:
        return (
            ("部署启动", d.months(1) + dt.timedelta(days=14), 10),
            ("阶段目标", d.ago(-4), wanted),
        )

    return [
        [
            TaskSpec(
                "1.1",
                "主次干道机械化清扫提质扩面",
                "示范市环境卫生集团",
                later,
                description="新增洗扫车和小型机扫设备，主次干道实行“机扫+人工保洁”每日两遍作业。",
                co=("明湖区环境卫生管理所", "青山区环境卫生管理所", "江滨区环境卫生管理所"),
                target_text="主次干道机械化清扫率",
                target_value=95,
                target_unit="%",
                base=82,
                children=(
                    TaskSpec(
                        "1.1.1",
                        "明湖区：主次干道机械化清扫全覆盖",
                        "明湖区环境卫生管理所",
                        year_end,
                        target_text="机械化清扫率",
                        target_value=98,
                        target_unit="%",
                        base=90,
                        starts_on=sub_start,
                        outcome="ticked",
                        requested_on=d.ago(40),
                        decided_on=d.ago(35),
                        evidence="全区42条主次干道均纳入机扫作业，GPS作业轨迹抽查覆盖率99.1%。",
                    ),
                    TaskSpec(
                        "1.1.2",
                        "青山区：主次干道机械化清扫提质",
                        "青山区环境卫生管理所",
                        year_end,
                        target_text="机械化清扫率",
                        target_value=95,
                        target_unit="%",
                        base=78,
                        starts_on=sub_start,
                    ),
                    TaskSpec(
                        "1.1.3",
                        "江滨区：主次干道机械化清扫提质",
                        "江滨区环境卫生管理所",
                        year_end,
                        target_text="机械化清扫率",
                        target_value=95,
                        target_unit="%",
                        base=75,
                        starts_on=sub_start,
                        milestones=yellow_steps(60),
                        progress=50,
                    ),
                ),
            ),
            TaskSpec(
                "1.2",
                "背街小巷环境整治提升",
                CITY_UM,
                later,
                description="按“六无六有”标准整治背街小巷：路面平整、立面整洁、管线规整、照明完好。",
                co=("示范市住房和城乡建设局",),
                target_text="完成整治背街小巷",
                target_value=120,
                target_unit="条",
                children=(
                    TaskSpec(
                        "1.2.1",
                        "明湖区：背街小巷整治",
                        "明湖区城市管理局",
                        year_end,
                        target_text="完成整治",
                        target_value=60,
                        target_unit="条",
                        starts_on=sub_start,
                        children=(
                            TaskSpec(
                                "1.2.1.1",
                                "湖滨街道：柳岸巷等背街小巷整治",
                                "明湖区湖滨街道办事处",
                                d.lm(20),
                                target_text="完成整治",
                                target_value=20,
                                target_unit="条",
                                starts_on=sub_start,
                                outcome="ticked",
                                requested_on=d.lm(18),
                                decided_on=d.lm(23),
                                acceptor="leader",
                                evidence="20条背街小巷全部完工，整治前后对比照片和竣工验收单附后。",
                            ),
                            TaskSpec(
                                "1.2.1.2",
                                "鼓楼街道：文庙后街等背街小巷整治",
                                "明湖区鼓楼街道办事处",
                                year_end,
                                target_text="完成整治",
                                target_value=25,
                                target_unit="条",
                                starts_on=sub_start,
                            ),
                            TaskSpec(
                                "1.2.1.3",
                                "解放路街道：新华街等背街小巷整治",
                                "明湖区解放路街道办事处",
                                year_end,
                                target_text="完成整治",
                                target_value=15,
                                target_unit="条",
                                starts_on=sub_start,
                                milestones=red_steps(d.ago(25), 50),
                                progress=30,
                                last_report=d.ago(33),
                            ),
                        ),
                    ),
                    TaskSpec(
                        "1.2.2",
                        "青山区：背街小巷整治",
                        "青山区城市管理局",
                        year_end,
                        target_text="完成整治",
                        target_value=35,
                        target_unit="条",
                        starts_on=sub_start,
                    ),
                    TaskSpec(
                        "1.2.3",
                        "江滨区：背街小巷整治",
                        "江滨区城市管理局",
                        year_end,
                        target_text="完成整治",
                        target_value=25,
                        target_unit="条",
                        starts_on=sub_start,
                        outcome="awaiting",
                        requested_on=d.ago(2),
                        evidence="25条背街小巷已全部完工，申请市级验收。",
                    ),
                ),
            ),
            TaskSpec(
                "1.3",
                "城市公厕提质改造",
                CITY_UM,
                later,
                description="新建和改建城市公厕，推行“所长制”，公厕信息接入导厕地图。",
                co=("明湖区城市管理局", "青山区城市管理局", "江滨区城市管理局"),
                target_text="新建改建公厕",
                target_value=40,
                target_unit="座",
            ),
            TaskSpec(
                "1.4",
                "店招标牌和户外广告规范整治",
                CITY_UM,
                d.lm(28),
                description="拆除破损、违规设置的店招和户外广告，重点路段实行“一街一景”设计。",
                co=("示范市市场监督管理局",),
                target_text="整治不规范店招和户外广告",
                target_value=1500,
                target_unit="处",
                children=(
                    TaskSpec(
                        "1.4.1",
                        "明湖区：店招标牌规范整治",
                        "明湖区城市管理局",
                        d.lm(25),
                        target_text="整治",
                        target_value=600,
                        target_unit="处",
                        starts_on=sub_start,
                        outcome="ticked",
                        requested_on=d.lm(24),
                        decided_on=d.lm(27),
                        evidence="完成整治612处，人民路、解放路两条示范街店招统一设计到位。",
                    ),
                    TaskSpec(
                        "1.4.2",
                        "青山区：店招标牌规范整治",
                        "青山区城市管理局",
                        d.lm(25),
                        target_text="整治",
                        target_value=500,
                        target_unit="处",
                        starts_on=sub_start,
                        progress=85,
                        last_report=d.lm(10),
                    ),
                    TaskSpec(
                        "1.4.3",
                        "江滨区：店招标牌规范整治",
                        "江滨区城市管理局",
                        d.lm(25),
                        target_text="整治",
                        target_value=400,
                        target_unit="处",
                        starts_on=sub_start,
                        outcome="ticked",
                        requested_on=d.lm(22),
                        decided_on=d.lm(26),
                        acceptor="leader",
                        evidence="完成整治405处，滨江路沿线店招全部更换为统一样式。",
                    ),
                ),
            ),
        ],
        [
            TaskSpec(
                "2.1",
                "城市道路病害常态化整治",
                "示范市住房和城乡建设局",
                later,
                description="建立道路病害巡查台账，坑槽、沉陷和破损人行道接报后48小时内修复。",
                co=("示范市公安局交通警察支队",),
                target_text="城市道路完好率",
                target_value=98,
                target_unit="%",
                base=93,
            ),
            TaskSpec(
                "2.2",
                "窨井盖安全隐患排查整治",
                "示范市住房和城乡建设局",
                d.lm(15),
                description="全面排查各类窨井盖，破损、缺失、沉降井盖限期更换，推广防坠网。",
                co=(
                    "示范市水务集团",
                    "示范市燃气公司",
                    "国网示范市供电公司",
                    "示范市通信管线运营联合办",
                ),
                target_text="整治病害井盖",
                target_value=3000,
                target_unit="座",
                outcome="ticked",
                requested_on=d.lm(21),
                decided_on=d.lm(25),
                notice=(
                    "leader",
                    "窨井盖整治已过完成时限，请三日内说明进展并报送剩余点位清单。",
                    d.lm(17),
                    d.lm(20),
                    "已完成整治2980座，剩余燃气井盖由燃气公司本周内完成，届时申请验收。",
                    d.lm(19),
                ),
                evidence="累计整治病害井盖3046座，加装防坠网2210处，排查台账和抽查记录附后。",
            ),
            TaskSpec(
                "2.3",
                "非机动车停放区施划",
                "示范市公安局交通警察支队",
                later,
                description="在商圈、地铁口和学校周边施划非机动车停放区，共享单车实行电子围栏管理。",
                co=(CITY_UM,),
                target_text="施划非机动车停放区",
                target_value=800,
                target_unit="处",
                milestones=yellow_steps(70),
                progress=55,
            ),
            TaskSpec(
                "2.4",
                "城市道路照明亮灯提升",
                CITY_UM,
                d.months(6) - dt.timedelta(days=1),
                description="更换老旧路灯灯具，修复线路故障，建成路灯单灯监控系统。",
                co=("国网示范市供电公司",),
                target_text="城市道路亮灯率",
                target_value=98,
                target_unit="%",
                base=94,
                outcome="ticked",
                requested_on=d.months(5) + dt.timedelta(days=3),
                decided_on=d.months(5) + dt.timedelta(days=8),
                acceptor="leader",
                evidence="单灯监控系统上线，近30天平均亮灯率99.2%。",
            ),
        ],
        [
            TaskSpec(
                "3.1",
                "口袋公园建设",
                "示范市园林绿化局",
                later,
                description="利用边角地、闲置地建设口袋公园，做到居民出门300米见绿、500米见园。",
                target_text="建成口袋公园",
                target_value=30,
                target_unit="个",
                children=(
                    TaskSpec(
                        "3.1.1",
                        "明湖区：口袋公园建设",
                        "明湖区住房和城乡建设局",
                        year_end,
                        target_text="建成",
                        target_value=12,
                        target_unit="个",
                        starts_on=sub_start,
                    ),
                    TaskSpec(
                        "3.1.2",
                        "青山区：口袋公园建设",
                        "青山区住房和城乡建设局",
                        year_end,
                        target_text="建成",
                        target_value=10,
                        target_unit="个",
                        starts_on=sub_start,
                        milestones=red_steps(d.ago(15), 40),
                        progress=20,
                        last_report=d.ago(36),
                    ),
                    TaskSpec(
                        "3.1.3",
                        "江滨区：口袋公园建设",
                        "江滨区住房和城乡建设局",
                        year_end,
                        target_text="建成",
                        target_value=8,
                        target_unit="个",
                        starts_on=sub_start,
                    ),
                ),
            ),
            TaskSpec(
                "3.2",
                "行道树缺株补植和树穴整治",
                "示范市园林绿化局",
                d.lm(10),
                description="补植主次干道缺株断档行道树，树穴统一铺设透水覆盖材料。",
                target_text="补植行道树",
                target_value=5000,
                target_unit="株",
                outcome="ticked",
                requested_on=d.lm(8),
                decided_on=d.lm(12),
                acceptor="leader",
                evidence="补植行道树5180株，成活率抽查97%，整治树穴1.2万个。",
            ),
            TaskSpec(
                "3.3",
                "城市绿地精细化养护",
                "示范市园林绿化局",
                later,
                description="推行绿地养护分级标准，养护作业实行网格化考核。",
                target_text="城市绿地养护达标率",
                target_value=95,
                target_unit="%",
                base=88,
            ),
        ],
        [
            TaskSpec(
                "4.1",
                "存量违法建设拆除",
                CITY_UM,
                d.months(30) - dt.timedelta(days=1),
                description="按“先易后难、分类处置”的原则拆除存量违法建设，拆后土地及时复绿或利用。",
                co=("示范市住房和城乡建设局",),
                target_text="拆除存量违法建设",
                target_value=30,
                target_unit="万平方米",
                children=(
                    TaskSpec(
                        "4.1.1",
                        JOURNEY_TASK_TITLE,
                        "明湖区城市管理局",
                        d.lm(20),
                        description="拆除书院片区、钟楼片区存量违法建设，拆后场地清理到位。",
                        target_text="拆除",
                        target_value=8,
                        target_unit="万平方米",
                        starts_on=sub_start,
                        progress=70,
                        last_report=d.lm(12),
                    ),
                    TaskSpec(
                        "4.1.2",
                        "青山区：存量违法建设拆除",
                        "青山区城市管理局",
                        d.months(24) - dt.timedelta(days=1),
                        target_text="拆除",
                        target_value=12,
                        target_unit="万平方米",
                        starts_on=sub_start,
                        milestones=red_steps(d.ago(20), 50),
                        progress=30,
                    ),
                    TaskSpec(
                        "4.1.3",
                        "江滨区：存量违法建设拆除",
                        "江滨区城市管理局",
                        d.months(24) - dt.timedelta(days=1),
                        target_text="拆除",
                        target_value=10,
                        target_unit="万平方米",
                        starts_on=sub_start,
                    ),
                ),
            ),
            TaskSpec(
                "4.2",
                "新增违法建设快速发现处置",
                CITY_UM,
                later,
                description="网格巡查和视频发现相结合，新增违法建设露头即查、即拆。",
                co=STREET_OFFICES,
                target_text="新增违法建设24小时内发现处置率",
                target_value=95,
                target_unit="%",
                base=80,
                milestones=yellow_steps(75),
                progress=62,
            ),
            TaskSpec(
                "4.3",
                "违法建设防控和查处长效机制",
                CITY_UM,
                d.lm(15),
                description="出台违法建设防控和查处办法，明确属地、部门职责和考核办法。",
                target_text="出台《示范市违法建设防控和查处办法》",
                outcome="ticked",
                requested_on=d.lm(12),
                decided_on=d.lm(14),
                acceptor="leader",
                evidence="办法已经市政府常务会议审议通过并印发。",
            ),
        ],
        [
            TaskSpec(
                "5.1",
                "城市运行管理服务平台建设",
                "示范市城市运行管理指挥中心",
                year_end,
                description="建成市级城市运行管理服务平台，对接省级平台和各区、各部门业务系统。",
                co=("示范市城市运行管理监督中心",),
                target_text="平台上线运行并接入省级平台",
            ),
            TaskSpec(
                "5.2",
                "数字化城管网格全覆盖",
                "示范市城市运行管理监督中心",
                d.months(4) - dt.timedelta(days=1),
                description="按城市部件和事件管理规范划分单元网格，建成区网格全覆盖、监督员全配备。",
                target_text="建成区网格覆盖率",
                target_value=100,
                target_unit="%",
                base=86,
                outcome="ticked",
                requested_on=d.months(3) + dt.timedelta(days=18),
                decided_on=d.months(3) + dt.timedelta(days=24),
                acceptor="leader",
                evidence="全市划分单元网格并全部落图，每个网格均配备监督员。",
            ),
            TaskSpec(
                "5.3",
                "视频智能识别场景应用",
                "示范市城市运行管理指挥中心",
                later,
                description="利用现有视频资源识别占道经营、暴露垃圾、违规停车等问题，自动立案派遣。",
                co=("示范市公安局交通警察支队",),
                target_text="上线智能识别场景",
                target_value=10,
                target_unit="类",
            ),
            TaskSpec(
                "5.4",
                "城市管理问题按期处置",
                CITY_UM,
                later,
                description="落实“发现—派遣—处置—核查—结案”闭环，逾期案件实行红黄牌督办。",
                target_text="城市管理问题按期处置率",
                target_value=90,
                target_unit="%",
                base=78,
            ),
        ],
    ]


def _report(
    task: Task, owner: User, d: Dates, rng: random.Random, day: dt.date, progress: int,
    spec: TaskSpec, n: int,
) -> None:  # fmt: skip
    text = REPORT_TEXTS[rng.randrange(len(REPORT_TEXTS))].format(n=n + 1)
    if progress == 100:
        text = "任务已全部完成，准备申请验收。"
    actions.report_progress(
        actor=owner,
        task=task,
        progress=progress,
        value=_value(spec, progress),
        text=text,
        at=d.at(day, 16, rng.randint(0, 59)),
    )


def _reports_for(start: dt.date, until: dt.date, final: int) -> list[tuple[dt.date, int]]:
    """Monthly reports from three weeks after the start to `until`, progress climbing to `final`."""
    days: list[dt.date] = []
    day = start + dt.timedelta(days=21)
    while day < until:
        days.append(day)
        day += dt.timedelta(days=30)
    days.append(until)
    days = [day for day in days if day >= start]
    steps = len(days)
    out: list[tuple[dt.date, int]] = []
    for i, day in enumerate(days, start=1):
        progress = final if i == steps else max(5, round(final * i / steps / 5) * 5)
        out.append((day, min(progress, final)))
    return out


def _value(spec: TaskSpec, progress: int) -> Decimal | None:
    if spec.target_value is None:
        return None
    if spec.target_unit == "%":
        figure = spec.base + (spec.target_value - spec.base) * progress / 100
        return Decimal(f"{figure:.1f}")
    return Decimal(round(spec.target_value * progress / 100, 1)).quantize(Decimal("0.1"))


REPORT_TEXTS: Final = (
    "按计划推进，已完成阶段性工作量，现场督导{n}次。",
    "召开专题推进会，细化到点位和责任人，本月完成既定工作。",
    "受天气和施工协调影响进度略有放缓，已增加作业力量。",
    "完成现场摸排，建立问题台账，逐项销号推进。",
    "组织联合执法和集中攻坚，本阶段任务基本完成。",
)


def _on_track(task: Task, today: dt.date) -> int:
    """The lowest progress that keeps the task green today (a little ahead, as owners report)."""
    for progress in range(100):
        task.progress = progress
        if selectors.standing(task, today=today).light == selectors.Light.GREEN:
            return min(99, progress + 3)
    return 99


@dataclass
class Built:
    plan: Plan
    tasks: dict[str, Task]


def build_plan(d: Dates, rng: random.Random) -> Built:
    supervisor, leader = _user("supervisor"), _user("leader")
    acceptors = {"supervisor": supervisor, "leader": leader}
    start_year = d.plan_start.year
    plan = actions.create_plan(
        actor=supervisor,
        title=f"示范市城市精细化管理三年行动计划（{start_year}—{start_year + 2}年）",
        document_no=f"示城管委〔{start_year}〕1号",
        issuer=PLAN_ISSUER,
        issuer_unit=_unit(CITY_UM),
        starts_on=d.plan_start,
        ends_on=d.months(36) - dt.timedelta(days=1),
        description=(
            "围绕“干净、整洁、有序、安全、群众满意”的目标，用三年时间分类推进市容环境、道路设施、"
            "园林绿化、违法建设治理和智慧城管五大类任务，实行清单式管理、跟踪式推动、销号式验收。"
        ),
        at=d.at(d.plan_start, 9),
    )
    tasks: dict[str, Task] = {}
    stories: list[tuple[TaskSpec, Task]] = []

    def add(spec: TaskSpec, category: PlanCategory, parent: Task | None) -> None:
        lead = _unit(spec.lead)
        start = spec.starts_on or d.plan_start
        milestones = spec.milestones
        if milestones is None and not spec.children:
            span = (spec.deadline - start).days
            milestones = (
                ("部署启动", start + dt.timedelta(days=min(30, span // 4)), 10),
                ("过半目标", start + dt.timedelta(days=span // 2), 50),
            )
        task = actions.add_task(
            actor=supervisor,
            plan=plan,
            number=spec.number,
            category=category,
            parent=parent,
            title=spec.title,
            description=spec.description,
            lead_unit=lead,
            co_units=[_unit(name) for name in spec.co],
            responsible=_responsible(lead),
            area=lead.area if lead.area.level in ("district", "street") else None,
            starts_on=start,
            deadline=spec.deadline,
            target_text=spec.target_text,
            target_operator=">=" if spec.target_value is not None else "",
            target_value=Decimal(spec.target_value) if spec.target_value is not None else None,
            target_unit=spec.target_unit,
            milestones=[actions.MilestoneInput(t, due, p) for t, due, p in milestones or ()],
            at=d.at(start, 9, 30),
        )
        tasks[spec.number] = task
        if spec.children:
            for child in spec.children:
                add(child, category, task)
        else:
            stories.append((spec, task))

    for number, (name, specs) in enumerate(zip(CATEGORIES, _plan_specs(d), strict=True), start=1):
        category = actions.add_category(actor=supervisor, plan=plan, name=name, number=number)
        for spec in specs:
            add(spec, category, None)

    for spec, task in stories:
        _tell(spec, task, d, rng, acceptors)

    signed = d.plan_start + dt.timedelta(days=10)
    leads = sorted({t.lead_unit_id for t in tasks.values() if t.parent_id is None})
    for i, unit in enumerate(Unit.objects.filter(pk__in=leads).order_by("pk")):
        actions.record_pledge(
            actor=supervisor,
            plan=plan,
            unit=unit,
            signatory=SIGNATORIES[i % len(SIGNATORIES)],
            signed_on=signed,
            at=d.at(signed + dt.timedelta(days=1)),
        )
    _notices(tasks, d, supervisor, leader)
    actions.chase_missing_reports(now=d.at(d.ago(1), 8, 30))
    return Built(plan, tasks)


SIGNATORIES: Final = (
    "王立群",
    "李振华",
    "陈国栋",
    "刘文斌",
    "赵永红",
    "孙建平",
    "黄晓东",
    "吴志强",
)


def _tell(
    spec: TaskSpec, task: Task, d: Dates, rng: random.Random, acceptors: dict[str, User]
) -> None:
    """Replay a leaf task's history: monthly reports, then a request and a decision if any."""
    owner = task.responsible
    if spec.outcome == "open":
        until = spec.last_report or d.ago(rng.randint(2, 6))
        final = spec.progress if spec.progress is not None else _on_track(task, d.today)
        task.progress = 0
    else:
        assert spec.requested_on is not None
        until = spec.requested_on - dt.timedelta(days=1)
        final = 100
    history = _reports_for(task.starts_on, until, final)
    if spec.notice is not None:
        # Reports stalled short of the end; the notice came, was answered, then the work finished.
        issued = spec.notice[2]
        history = [
            (day, min(p, 95))
            for day, p in _reports_for(task.starts_on, issued - dt.timedelta(days=5), 95)
        ]
    for n, (day, progress) in enumerate(history, start=1):
        _report(task, owner, d, rng, day, progress, spec, n)
    if spec.notice is not None:
        issuer, reason, issued, due, reply, replied = spec.notice
        notice = actions.issue_notice(
            actor=acceptors[issuer],
            task=task,
            reason=reason,
            reply_due=d.at(due, 17, 30),
            at=d.at(issued, 9, 30),
        )
        actions.reply_notice(actor=owner, notice=notice, reply=reply, at=d.at(replied, 15))
        _report(task, owner, d, rng, until, final, spec, len(history) + 1)
    if spec.outcome == "open" or spec.requested_on is None:
        return
    request = actions.request_acceptance(
        actor=owner,
        task=task,
        evidence=spec.evidence,
        files=[actions.Upload("完成情况照片.jpg", demo_photo(rng, f"{task.number} 完成"))],
        at=d.at(spec.requested_on, 11),
    )
    if spec.outcome == "ticked":
        assert spec.decided_on is not None
        actions.decide_acceptance(
            actor=acceptors[spec.acceptor],
            request=request,
            accept=True,
            reasons="现场核查与报送情况一致，同意销号。",
            at=d.at(spec.decided_on, 15),
        )


def _notices(tasks: dict[str, Task], d: Dates, supervisor: User, leader: User) -> None:
    """Two more supervision notices (the manhole task's is part of its story): one answered after
    its deadline, one still awaiting a reply."""
    signs = tasks["1.4.2"]
    notice = actions.issue_notice(
        actor=leader,
        task=signs,
        reason="青山区店招整治已超过完成时限仍未完成，请说明原因并明确完成时间。",
        reply_due=d.at(d.lm(28), 12),
        at=d.at(d.lm(26), 9),
    )
    actions.reply_notice(
        actor=signs.responsible,
        notice=notice,
        reply="剩余75处涉及商户产权纠纷，已会同市场监管部门逐户约谈，计划下月中旬前完成。",
        at=d.at(d.lm(28), 16),
    )
    demolition = tasks["4.1.2"]
    actions.issue_notice(
        actor=supervisor,
        task=demolition,
        reason="青山区存量违建拆除未达到阶段目标，请于限期内报送整改方案和拆除计划。",
        reply_due=d.at(d.ago(-3), 17, 30),
        at=d.at(d.ago(3), 10),
    )


# --- photos -----------------------------------------------------------------------------------


def demo_photo(rng: random.Random, label: str) -> bytes:
    """A small JPEG that looks like a photo of a street (sky, buildings, road, some clutter)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (rng.randint(150, 200), rng.randint(190, 220), 235))
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, rng.randint(80, 130)):
        height = rng.randint(120, 300)
        shade = rng.randint(120, 200)
        draw.rectangle(
            (x, 330 - height, x + rng.randint(60, 110), 330), fill=(shade, shade - 10, shade - 25)
        )
        for wy in range(340 - height, 320, 28):
            draw.rectangle((x + 10, wy, x + 24, wy + 14), fill=(80, 110, 140))
    draw.rectangle((0, 330, 640, 480), fill=(90, 90, 95))
    for _ in range(rng.randint(4, 9)):
        cx, cy = rng.randint(20, 620), rng.randint(360, 470)
        r = rng.randint(6, 22)
        colour = (rng.randint(150, 255), rng.randint(60, 200), rng.randint(20, 120))
        draw.ellipse((cx - r, cy - r // 2, cx + r, cy + r // 2), fill=colour)
    draw.text(
        (10, 455), label.encode("ascii", "ignore").decode() or "finegrid", fill=(255, 255, 255)
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- sites and the undercover round -----------------------------------------------------------

#: Street index into STREET_OFFICES' order: 0 湖滨 1 鼓楼 2 解放路 3 青山 4 工业园 5 桃源镇 6 江滨 7 新城.
SITES: Final[dict[int, tuple[tuple[str, int], ...]]] = {
    1: (("鼓楼街道办事处", 1),),
    2: (("湖滨街道综合文化站", 0),),
    3: (("人民社区", 2),),
    4: (("翠屏社区综合文化服务中心", 3),),
    5: (("望湖花园小区", 0), ("书院雅居小区", 1), ("翠屏新村", 3), ("滨江壹号小区", 6)),
    6: (("工业园街道城乡结合部片区", 4),),
    7: (("桃源镇综合文化站", 5),),
    8: (("杏花村", 5),),
    9: (
        ("明湖大道（湖滨路口至鼓楼路口）", 0),
        ("人民路（解放桥至新华街）", 2),
        ("青山大道（翠屏路至松涛路）", 3),
        ("新城大道（会展中心段）", 7),
    ),
    10: (("柳岸巷", 0), ("文庙后街", 1), ("厂前里", 4), ("渔港二巷", 6)),
    11: (("明湖公园", 0), ("鼓楼广场", 1), ("青山森林公园", 3), ("滨江广场", 6)),
    12: (("湖滨路公厕", 0), ("钟楼北公厕", 1), ("松涛路公厕", 3), ("会展中心东公厕", 7)),
    13: (("示范市图书馆", 2),),
    14: (("明湖风景区", 0),),
    15: (("新华书店解放路店", 2),),
    16: (("滨江国际酒店", 6),),
    17: (("望湖农贸市场", 0), ("新华农贸市场", 2), ("青山综合市场", 3), ("渔港水产市场", 6)),
    18: (("老鼓楼面馆", 1),),
    19: (("明湖区政务服务中心", 2),),
    20: (("明湖百货大楼", 0), ("华联超市鼓楼店", 1), ("工业园万家超市", 4), ("新城购物中心", 7)),
    21: (
        ("解放路与人民路交叉口", 2),
        ("青山大道与园区路交叉口", 4),
        ("滨江路与新城大道交叉口", 6),
        ("鼓楼十字路口", 1),
    ),
    22: (("新城影城", 7),),
    23: (
        ("书院片区棚改项目工地", 1),
        ("工业园标准厂房三期工地", 4),
        ("会展中心二期工地", 7),
        ("桃源镇安置房工地", 5),
    ),
    24: (("柳溪河湖滨段", 0), ("青山河松涛段", 3), ("渔港河码头段", 6), ("解放渠", 2)),
    25: (
        ("明湖实验小学周边", 0),
        ("鼓楼小学周边", 1),
        ("青山第二中学周边", 3),
        ("滨江幼儿园周边", 6),
    ),
    26: (("明湖实验小学校内", 0),),
    27: (("青山少年宫培训中心", 3),),
    28: (("明湖区未成年人心理健康辅导站", 2),),
    29: (("星空网吧", 4),),
}


def _street_grids() -> list[list[Grid]]:
    """The current grids of each demo street, in STREET_OFFICES' order."""
    by_street: list[list[Grid]] = []
    for office in STREET_OFFICES:
        street = _unit(office).area
        grids = list(
            Grid.objects.current()
            .filter(community__parent=street)
            .select_related("responsible_unit")
            .order_by("code")
        )
        if not grids:
            raise DemoCampaignsError(f"“{street.name}”没有网格，请先运行 seed_demo")
        by_street.append(grids)
    return by_street


def _point_in(grid: Grid, rng: random.Random) -> tuple[float, float]:
    """A point well inside the grid (never on an edge shared with a neighbour)."""
    import shapely
    from shapely.geometry import shape

    outline = shape(grid.boundary)
    inner = outline.buffer(-2e-5)
    if inner.is_empty:
        inner = outline
    min_x, min_y, max_x, max_y = inner.bounds
    for _attempt in range(200):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if inner.contains(shapely.Point(x, y)):
            return round(x, 6), round(y, 6)
    point = outline.representative_point()
    return round(point.x, 6), round(point.y, 6)


def register_sites(rng: random.Random) -> int:
    supervisor = _user("supervisor")
    grids = _street_grids()
    types = {t.tag: t for t in SiteType.objects.all()}
    count = 0
    for tag, sites in sorted(SITES.items()):
        for name, street in sites:
            grid = rng.choice(grids[street])
            lon, lat = _point_in(grid, rng)
            inspections.register_site(
                actor=supervisor,
                site_type=types[tag],
                name=name,
                lon=lon,
                lat=lat,
                address=f"{grid.community.parent.name if grid.community.parent else ''}{name}",
            )
            count += 1
    return count


FAILURE_NOTES: Final = (
    "暗访时发现问题明显，现场未见保洁或管理人员。",
    "问题集中在早高峰时段，属于反复出现的老问题。",
    "现场拍照取证，已告知属地网格员。",
    "周边群众反映问题存在已有一周左右。",
)


def undercover_round(d: Dates, rng: random.Random, tree: IndexTree, seed: int) -> InspectionRound:
    """Last month's 暗访: drawn with a fixed seed, every visit scored and finished, with failures."""
    supervisor, inspector = _user("supervisor"), _user("inspector")
    template = inspections.load_template(
        actor=supervisor, spec=inspections.default_template_spec(), tree=tree
    )
    tags = sorted(template.site_types.values_list("tag", flat=True))
    inspection_round = inspections.draw_round(
        actor=supervisor,
        name=f"{d.last_month.label}城市管理暗访",
        kind=RoundKind.UNDERCOVER,
        template=template,
        starts_on=d.lm(9),
        ends_on=d.lm(13),
        sample=dict.fromkeys(tags, DRAWN_PER_TYPE),
        seed=seed,
        assessment=tree,
        rectify_days=15,
    )
    visits = list(inspection_round.visits.select_related("site__site_type").order_by("site__name"))
    pairs = [
        (visit, item)
        for visit in visits
        for item in inspections.applicable_items(template=template, site_type=visit.site.site_type)
    ]
    no_case = [i for i, (_v, item) in enumerate(pairs) if item.category_id is None]
    with_case = [i for i, (_v, item) in enumerate(pairs) if item.category_id is not None]
    failing = set(rng.sample(no_case, 1) if no_case else [])
    failing |= set(rng.sample(with_case, FAILURES - len(failing)))
    for n, visit in enumerate(visits):
        day = d.lm(9 + n % 5)
        scorer = supervisor if n % 2 else inspector
        moment = d.at(day, 9 + n % 7, rng.randint(0, 50))
        for i, (pair_visit, item) in enumerate(pairs):
            if pair_visit.pk != visit.pk:
                continue
            failed = i in failing
            score = (
                item.points if not failed else max(Decimal(0), item.points - 1 - rng.randint(0, 1))
            )
            inspections.score_item(
                actor=scorer,
                visit=visit,
                item=item,
                score=Decimal(score).quantize(Decimal("0.01")),
                note=FAILURE_NOTES[rng.randrange(len(FAILURE_NOTES))] if failed else "",
                photo=Photo(
                    f"暗访{visit.pk}-{item.number}.jpg", demo_photo(rng, f"check {item.number}")
                )
                if failed
                else None,
                lon=visit.site.lon,
                lat=visit.site.lat,
                at=moment,
            )
            moment += dt.timedelta(minutes=rng.randint(2, 6))
        inspections.finish_visit(actor=scorer, visit=visit, at=moment)
    return inspections.finish_round(
        actor=supervisor, inspection_round=inspection_round, at=d.at(d.lm(14), 17)
    )


def tick_off_rectifications(d: Dates, rng: random.Random, inspection_round: InspectionRound) -> int:
    """About half of the round's rectifications were fixed and accepted since."""
    supervisor, leader = _user("supervisor"), _user("leader")
    plan = inspection_round.rectification_plan
    if plan is None:
        return 0
    done = 0
    rectifications = list(plan.tasks.filter(kind=TaskKind.RECTIFICATION).order_by("number"))
    for task in rectifications[::2]:
        finished_on = min(task.deadline - dt.timedelta(days=3), d.ago(3))
        if finished_on <= task.starts_on:
            continue
        actions.report_progress(
            actor=task.responsible,
            task=task,
            progress=100,
            text="已按要求整改到位，现场已清理、修复。",
            at=d.at(finished_on, 10),
        )
        request = actions.request_acceptance(
            actor=task.responsible,
            task=task,
            evidence="整改前后对比照片附后，请复查。",
            files=[actions.Upload("整改后.jpg", demo_photo(rng, f"{task.number} fixed"))],
            at=d.at(finished_on, 14),
        )
        actions.decide_acceptance(
            actor=supervisor if done % 2 == 0 else leader,
            request=request,
            accept=True,
            reasons="复查已整改到位。",
            at=d.at(min(finished_on + dt.timedelta(days=2), d.ago(1)), 11),
        )
        done += 1
    return done


def mock_assessment(d: Dates, rng: random.Random) -> IndexTree:
    supervisor = _user("supervisor")
    return assessment.import_index(
        actor=supervisor,
        name=INDEX_NAME,
        year=d.today.year,
        data=assessment.DEMO_INDEX.read_bytes(),
        filename=assessment.DEMO_INDEX.name,
    )


REVIEW_TEXTS: Final = {
    Method.MATERIAL: "报送材料齐全，部分台账记录不够连续，酌情扣分。",
    Method.SURVEY: "委托第三方电话和入户问卷调查，有效样本600份。",
}


def review_materials(d: Dates, rng: random.Random, tree: IndexTree) -> int:
    supervisor = _user("supervisor")
    contents = tree.nodes.filter(
        level=NodeLevel.CONTENT, method__in=[Method.MATERIAL, Method.SURVEY]
    ).order_by("order", "pk")
    count = 0
    for node in contents:
        share = Decimal(rng.randint(70, 96)) / 100
        assessment.add_review(
            actor=supervisor,
            node=node,
            score=(node.points * share).quantize(Decimal("0.01")),
            unit=_unit("示范市城市运行管理监督中心"),
            text=REVIEW_TEXTS[Method(node.method)],
            at=d.at(d.lm(20 + count % 5), 15),
        )
        count += 1
    return count


# --- evaluation -------------------------------------------------------------------------------


def evaluate_last_month(d: Dates) -> Run:
    """Publish last month's departments-campaigns run, or correct it if one was published before
    the campaign's data existed (demo_rankings evaluates every active scheme)."""
    scheme = Scheme.objects.get(code=SCHEME_CODE)
    period = d.last_month
    published = (
        Run.objects.filter(scheme=scheme, period=period.code, status=RunStatus.PUBLISHED)
        .order_by("-computed_at", "-pk")
        .first()
    )
    [run] = evaluate(
        schemes=[scheme],
        period=period,
        actor=None,
        corrects=published,
        note="计入专项行动和暗访数据后重新计算" if published else "",
    )
    return publish_run(run=run, actor=None)


# --- the whole ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    plan: Plan
    tasks: int
    lights: dict[str, int]
    sites: int
    visits: int
    failures: int
    rectifications: int
    rectifications_ticked_off: int
    cases: int
    reviews: int
    scoreboard_total: Decimal
    simulated_total: Decimal
    run: Run | None


def has_demo_campaigns() -> bool:
    return Plan.objects.filter(kind=PlanKind.ACTION_PLAN).exists()


def build(*, seed: int = 1, evaluate_month: bool = True, now: dt.datetime | None = None) -> Summary:
    """The demo's campaign work, written through the actions; then last month's evaluation."""
    d = demo_dates(now)
    rng = random.Random(seed)
    with transaction.atomic():
        built = build_plan(d, rng)
        sites = register_sites(rng)
        tree = mock_assessment(d, rng)
        inspection_round = undercover_round(d, rng, tree, seed=20_000 + seed)
        ticked = tick_off_rectifications(d, rng, inspection_round)
        reviews = review_materials(d, rng, tree)
    run = evaluate_last_month(d) if evaluate_month else None
    return summarise(
        built.plan,
        inspection_round,
        tree,
        sites=sites,
        reviews=reviews,
        ticked=ticked,
        run=run,
        today=d.today,
    )


def summarise(
    plan: Plan,
    inspection_round: InspectionRound,
    tree: IndexTree,
    *,
    sites: int,
    reviews: int,
    ticked: int,
    run: Run | None,
    today: dt.date,
) -> Summary:
    board = selectors.plan_board(plan, today=today)
    rectifications = Task.objects.filter(finding__visit__round=inspection_round)
    score = assessment.scoreboard(tree=tree)
    return Summary(
        plan=plan,
        tasks=board.total,
        lights={light.value: board.counts.get(light, 0) for light in selectors.Light},
        sites=sites,
        visits=inspection_round.visits.count(),
        failures=rectifications.count(),
        rectifications=rectifications.count(),
        rectifications_ticked_off=rectifications.filter(status=TaskStatus.TICKED_OFF).count(),
        cases=rectifications.exclude(case=None).count(),
        reviews=reviews,
        scoreboard_total=score.total,
        simulated_total=score.simulated_total,
        run=run,
    )


def journey_task() -> Task:
    """The red task of 明湖区城市管理局 the browser journeys act on."""
    return Task.objects.get(plan__kind=PlanKind.ACTION_PLAN, title=JOURNEY_TASK_TITLE)
