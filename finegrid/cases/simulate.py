"""Simulated traffic: reports and every later step of their cases, taken through the real actions in
simulated time on the working calendar, so that the demo city opens full of life.

Deterministic for a seed: every case draws its whole fate from its own random generator (seeded by
the run's seed and the report's serial), and steps run in order of their simulated time. Nothing
here writes a model: each step is a call to `finegrid.cases.actions` with `at=`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from finegrid.cases import actions
from finegrid.cases.access import area_prefixes
from finegrid.cases.events import AuditProblem, verify_chain
from finegrid.cases.models import STATUS_LABELS, Case, CaseEvent, Source
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Category, FilingRule, Kind, Urgency
from finegrid.dispatch.routing import propose_department
from finegrid.geo.models import Grid
from finegrid.org.models import Unit, UnitKind, User
from finegrid.org.roles import GROUP_NAMES, Role
from finegrid.worktime import calendar as pure
from finegrid.worktime import selectors as worktime
from finegrid.worktime.calendar import CalendarYearMissing, TimeUnit, WorkCalendar

T = TypeVar("T")

DEFAULT_DAYS: Final = 30
DEFAULT_PER_DAY: Final = 40
MAX_DAYS: Final = 366
MAX_PER_DAY: Final = 5000


@dataclass(frozen=True)
class Mix:
    """The shares a run aims at; the printed summary counts what actually happened, from events."""

    #: Reports on a working day by source (weights); days off bring only the public channels.
    sources: tuple[tuple[Source, int], ...] = (
        (Source.INSPECTOR, 58),
        (Source.HOTLINE, 20),
        (Source.CITIZEN, 12),
        (Source.SENSOR, 5),
        (Source.UNDERCOVER, 2),
        (Source.LEADER, 2),
        (Source.MEDIA, 1),
    )
    day_off_volume: float = 0.25  # share of a working day's reports that arrive on a day off
    part_share: float = 0.22  # reports about a component (部件) rather than a matter (事项)
    self_handled: float = 0.12  # of inspector reports
    self_handled_rejected: float = 0.05
    declined: float = 0.03  # of public reports
    not_confirmed: float = 0.06  # of verifications
    cancelled_after_filing: float = 0.005
    urgency: tuple[tuple[Urgency, int], ...] = (
        (Urgency.ORDINARY, 89),
        (Urgency.MAJOR, 8),
        (Urgency.URGENT, 3),
    )
    override: float = 0.04  # dispatches that do not follow the proposal
    returned: float = 0.02  # dispatched cases the department sends back
    returned_after_override: float = 0.3
    return_rejected: float = 0.15
    suspended: float = 0.02
    suspension_rejected: float = 0.15
    extended: float = 0.065
    extension_rejected: float = 0.15
    overdue: float = 0.12
    rework: float = 0.08  # of first checks
    rework_again: float = 0.05  # of later checks
    supervise_overdue: float = 0.1
    supervise_other: float = 0.005
    reopen: float = 0.01  # of closed reports from citizens, found unsolved on the follow-up call
    slow_step: float = 0.08  # centre steps that take longer than their limit


MIX: Final = Mix()

#: Reports from the public and its devices: the centre may decline them.
PUBLIC_SOURCES: Final = frozenset({Source.HOTLINE, Source.CITIZEN, Source.SENSOR})
#: Reports with a citizen's contact: the centre calls back (回访), and may have to reopen.
FOLLOWED_UP_SOURCES: Final = frozenset({Source.HOTLINE, Source.CITIZEN})

# (name in the catalogue, weight, what people write). Common matters first: 暴露垃圾, 道路不洁,
# 占道经营, 乱张贴 (the standard's 非法小广告). Names the catalogue lacks are skipped.
MATTERS: Final[tuple[tuple[str, int, tuple[str, ...]], ...]] = (
    (
        "暴露垃圾",
        16,
        ("路边有暴露垃圾，未及时清运", "绿化带内堆有生活垃圾", "人行道上有散落垃圾袋"),
    ),
    ("道路不洁", 12, ("路面有大片污渍未清扫", "人行道有泥土和落叶堆积", "路面有油污")),
    ("占道经营", 12, ("流动摊贩占用人行道卖水果", "早点摊占道经营", "商贩在路口摆摊卖菜")),
    ("非法小广告", 10, ("电线杆上乱张贴小广告", "墙面喷涂办证小广告", "公交站牌上乱张贴广告")),
    ("机动车乱停放", 6, ("机动车停放在人行道上影响通行", "车辆占用盲道停放")),
    ("非机动车乱停放", 6, ("电动车在路口乱停乱放", "自行车堵塞人行道")),
    ("乱堆杂物", 5, ("楼道口堆放杂物", "沿街乱堆建材杂物")),
    ("垃圾站（箱）满溢", 5, ("垃圾箱满溢，周边散落垃圾", "垃圾站满溢未清运")),
    ("店外经营", 5, ("商铺出店经营，占用人行道", "餐馆在店外摆桌经营")),
    ("共享单车乱象", 3, ("共享单车大量堆放在路口", "共享单车倒伏堵塞通道")),
    ("道路破损", 3, ("路面坑洼破损", "人行道砖松动破损")),
    ("绿地脏乱", 3, ("绿地内有垃圾杂物", "绿化带内堆放杂物")),
    ("沿街晾挂", 2, ("沿街晾晒衣物", "在行道树上拉绳晾挂")),
    ("私搭乱建", 2, ("屋顶私搭彩钢棚", "沿街违规搭建板房")),
    ("违规户外广告", 2, ("户外广告牌破损松动", "未经审批设置广告牌")),
    ("施工废弃料", 2, ("工地外堆放建筑垃圾", "施工废料未及时清运")),
    ("噪声扰民", 2, ("夜间施工噪声扰民", "商铺高音喇叭扰民")),
    ("油烟污染", 1, ("餐馆油烟直排扰民",)),
    ("废弃车辆", 1, ("路边长期停放废弃车辆",)),
    ("流浪乞讨", 1, ("路口有人流浪乞讨",)),
)
PARTS: Final[tuple[tuple[str, int, tuple[str, ...]], ...]] = (
    ("路灯", 6, ("路灯不亮", "路灯灯杆倾斜", "路灯灯罩破损")),
    ("雨水井盖", 4, ("雨水井盖破损，存在安全隐患", "雨水井盖松动，车辆经过有异响")),
    ("污水井盖", 3, ("污水井盖丢失，井口敞开", "污水井盖破损")),
    ("垃圾箱", 4, ("垃圾箱破损", "垃圾箱缺失")),
    ("供水井盖", 2, ("供水井盖移位", "供水井盖破损")),
    ("通信井盖", 2, ("通信井盖破损", "通信井盖与路面高差明显")),
    ("电力井盖", 1, ("电力井盖破损",)),
    ("行道树", 3, ("行道树倾斜", "行道树枯死", "行道树枝叶遮挡路灯")),
    ("交通护栏", 2, ("交通护栏倒伏", "交通护栏破损")),
    ("公交站设施", 1, ("公交站亭玻璃破损",)),
    ("街头座椅", 1, ("街头座椅破损",)),
    ("路名牌", 1, ("路名牌缺失", "路名牌褪色看不清")),
)
SENSOR_MATTERS: Final = frozenset({"暴露垃圾", "占道经营", "机动车乱停放", "非机动车乱停放"})

ROADS: Final = (
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "文化路",
    "新华路",
    "长江路",
    "黄河路",
    "青年路",
    "胜利路",
    "朝阳路",
    "光明路",
    "育才路",
    "环城路",
    "滨湖路",
    "学府路",
    "东风路",
    "五一路",
    "健康路",
)
SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰海燕红梅志"
PHONE_PREFIXES: Final = ("138", "139", "137", "135", "186", "159", "152", "177", "189", "131")

DECLINE_NOTES: Final = (
    "不属于城市管理问题，已告知市民向相关部门反映",
    "重复上报，已合并至原案卷",
    "反映内容不清，无法定位，已回复市民",
)
NOT_FOUND_NOTES: Final = ("现场未发现所报问题", "现场问题已自行消失", "所报位置无此问题")
RETURN_NOTES: Final = (
    "经现场勘查，该问题不属于本单位职责范围，申请退回改派",
    "该设施权属不在本单位，申请回退",
)
SUSPEND_NOTES: Final = (
    "需协调专项资金，暂无法处置",
    "需待雨季结束后施工",
    "涉及多个部门，需协调后处置",
)
EXTEND_NOTES: Final = ("需采购材料，申请延期", "工程量较大，申请延期", "需夜间施工，申请延期")
REWORK_NOTES: Final = ("现场核查未整改到位", "问题反弹，现场仍有", "处置不彻底，需返工")
SUPERVISE_NOTES: Final = ("已超期，请加快处置并反馈", "群众反映强烈，请优先处置")
REOPEN_NOTES: Final = ("市民回访反映问题仍未解决，重新开启", "市民来电称问题复发，重新开启")
OVERRIDE_NOTES: Final = ("根据辖区养护分工改派", "该路段由属地负责，改派")


class SimulationError(ValueError):
    """Input or data the simulator cannot run with; the message says what to change."""


@dataclass
class SimulationResult:
    """What a run did, counted from the events of the cases it created."""

    start: dt.date
    days: int
    seed: int
    per_day: int
    seconds: float = 0.0
    cases: int = 0
    case_ids: list[int] = field(default_factory=list)
    steps: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    disposed_on_time: int = 0
    disposed_overdue: int = 0
    overridden: int = 0
    supervised_cases: int = 0
    reworked_cases: int = 0
    calendar_gaps: set[int] = field(default_factory=set)
    audit_problems: list[AuditProblem] = field(default_factory=list)
    digest: str = ""

    #: Where the run stopped: midnight after its last day, or the moment it ran when that is today.
    until: dt.datetime | None = None

    @property
    def last_day(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    @property
    def last_moment(self) -> str:
        """The last simulated day, with the time it stopped when it stopped before midnight."""
        until = self.until and timezone.localtime(self.until)
        if until is not None and until.date() == self.last_day:
            return f"{self.last_day.isoformat()} {until:%H:%M}"
        return self.last_day.isoformat()

    def lines(self) -> list[str]:
        source_labels = dict(Source.choices)
        disposals = self.disposed_on_time + self.disposed_overdue

        def share(count: int, total: int) -> str:
            return f"{count}（{count / total:.1%}）" if total else str(count)

        def listing(counter: Counter[str], label: Callable[[str], object]) -> str:
            return "，".join(f"{label(key)} {count}" for key, count in counter.most_common())

        a = self.actions
        lines = [
            _(
                "模拟 %(start)s 至 %(last)s（%(days)d 天，种子 %(seed)d，每个工作日约 %(per_day)d 件上报）"
            )
            % {
                "start": self.start.isoformat(),
                "last": self.last_moment,
                "days": self.days,
                "seed": self.seed,
                "per_day": self.per_day,
            },
            _("用时 %(seconds).1f 秒：案卷 %(cases)d 件，动作 %(steps)d 次")
            % {"seconds": self.seconds, "cases": self.cases, "steps": self.steps},
            _("上报来源：%(list)s")
            % {"list": listing(self.by_source, lambda s: source_labels.get(s, s))},
            _("最终状态：%(list)s")
            % {"list": listing(self.by_status, lambda s: STATUS_LABELS[Status(s)])},
            _("处置 %(total)d 次：按期 %(on_time)s，超期 %(overdue)s")
            % {
                "total": disposals,
                "on_time": share(self.disposed_on_time, disposals),
                "overdue": share(self.disposed_overdue, disposals),
            },
            _(
                "延期 %(ext)d（申请 %(ext_asked)d），回退改派 %(ret)d（申请 %(ret_asked)d），"
                "挂账 %(sus)d（申请 %(sus_asked)d，恢复 %(resumed)d）"
            )
            % {
                "ext": a[Action.APPROVE_EXTENSION],
                "ext_asked": a[Action.REQUEST_EXTENSION],
                "ret": a[Action.APPROVE_RETURN],
                "ret_asked": a[Action.REQUEST_RETURN],
                "sus": a[Action.APPROVE_SUSPENSION],
                "sus_asked": a[Action.REQUEST_SUSPENSION],
                "resumed": a[Action.RESUME],
            },
            _(
                "返工 %(rework)d 次（%(reworked)d 件），重新开启 %(reopen)d，督办 %(supervised)d 件，"
                "改派（未按建议派遣）%(overridden)d，自处理 %(self_handled)d，不予受理 %(declined)d，"
                "作废 %(cancelled)d"
            )
            % {
                "rework": a[Action.REWORK],
                "reworked": self.reworked_cases,
                "reopen": a[Action.REOPEN],
                "supervised": self.supervised_cases,
                "overridden": self.overridden,
                "self_handled": a[Action.REVIEW_SELF_HANDLED],
                "declined": a[Action.DECLINE],
                "cancelled": a[Action.CANCEL],
            },
        ]
        if self.calendar_gaps:
            years = "、".join(str(y) for y in sorted(self.calendar_gaps))
            lines.append(
                _("时限超出工作日历（缺少 %(years)s 年）的案卷停在当前环节") % {"years": years}
            )
        if self.audit_problems:
            lines.append(
                _("审计链 verify_chain：发现 %(n)d 个问题") % {"n": len(self.audit_problems)}
            )
            lines.extend(f"  {problem.describe()}" for problem in self.audit_problems[:20])
        else:
            lines.append(_("审计链 verify_chain：通过，没有问题"))
        return lines


# --- the city the run acts in --------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    """A grid where a problem may be found, with the names that make up an address there."""

    code: str  # the grid's code, which starts with the codes of its areas
    boundary: dict[str, Any]
    place: str


@dataclass(frozen=True)
class Problem:
    category: Category
    rule: FilingRule
    weight: int
    descriptions: tuple[str, ...]


def _users_with(role: Role) -> list[User]:
    return list(
        User.objects.filter(groups__name=GROUP_NAMES[role], is_active=True)
        .select_related("unit", "unit__area")
        .order_by("username")
    )


def _problems(kind: Kind, table: Iterable[tuple[str, int, tuple[str, ...]]]) -> list[Problem]:
    problems = []
    for name, weight, descriptions in table:
        category = (
            Category.objects.filter(kind=kind, name=name, is_active=True)
            .prefetch_related("filing_rules__limits")
            .first()
        )
        if category is None:
            continue
        rules = sorted(
            (r for r in category.filing_rules.all() if r.is_active), key=lambda r: r.order
        )
        if rules:
            problems.append(Problem(category, rules[0], weight, descriptions))
    return problems


class City:
    """The staff, grids, catalogue and receiving units a run needs, read once before it starts."""

    def __init__(self) -> None:
        def one(role: Role) -> User:
            users = _users_with(role)
            if not users:
                raise SimulationError(
                    _("没有启用的“%(role)s”账号：请先运行 seed_demo 建立示范市")
                    % {"role": role.label}
                )
            return users[0]

        self.receptionist = one(Role.RECEPTIONIST)
        self.shift_leader = one(Role.SHIFT_LEADER)
        self.dispatcher = one(Role.DISPATCHER)
        self.leader = one(Role.LEADER)
        self.supervisor = one(Role.SUPERVISOR)
        self.supervisor_scope = tuple(area_prefixes(self.supervisor))

        self.patrols: dict[int, list[Spot]] = {}
        self.inspectors: list[User] = []
        spots: dict[str, Spot] = {}
        for inspector in _users_with(Role.INSPECTOR):
            rows = (
                Grid.objects.current()
                .filter(inspectors=inspector)
                .order_by("code")
                .values_list("code", "boundary", "community__name", "community__parent__name")
            )
            mine = []
            for code, boundary, community, street in rows:
                spot = spots.get(code) or Spot(code, boundary, f"{street}{community}")
                spots[code] = spot
                mine.append(spot)
            if mine:
                self.patrols[inspector.pk] = mine
                self.inspectors.append(inspector)
        if not self.inspectors:
            raise SimulationError(_("没有分配监督员的单元网格：请先运行 seed_demo 建立示范市"))
        self.spots = [spots[code] for code in sorted(spots)]
        # Undercover visits stay inside the supervisor's own areas.
        self.supervisor_spots = [
            s for s in self.spots if s.code.startswith(self.supervisor_scope)
        ] or self.spots

        self.handlers: dict[int, list[User]] = {}
        for handler in _users_with(Role.HANDLER):
            if handler.unit_id is not None:
                self.handlers.setdefault(handler.unit_id, []).append(handler)
        self.units = [
            unit
            for unit in Unit.objects.filter(pk__in=self.handlers, is_active=True)
            .select_related("area")
            .order_by("name")
            if unit.kind in actions.RECEIVING_UNITS
        ]
        if not self.units:
            raise SimulationError(_("没有处置单位的处置人员账号：请先运行 seed_demo 建立示范市"))

        self.matters = _problems(Kind.MATTER, MATTERS)
        self.parts = _problems(Kind.PART, PARTS)
        if not self.matters:
            raise SimulationError(_("类别目录中没有模拟所用的事项：请先运行 load_catalogue"))
        self.sensor_matters = [p for p in self.matters if p.category.name in SENSOR_MATTERS]

    def local_units(self, area_code: str) -> list[Unit]:
        """The receiving units (with someone to act) whose area covers a place, the nearest first."""
        local = [u for u in self.units if area_code.startswith(u.area.code_prefix)]
        return sorted(local, key=lambda u: (-len(u.area.code_prefix), u.kind, u.name))


# --- one case's life -----------------------------------------------------------------------------


@dataclass
class Plan:
    """A case's fate, drawn when it is reported, and where it has got to."""

    serial: int
    rng: random.Random
    source: Source
    problem: Problem
    spot: Spot
    reporter: User | None
    case_id: int = 0
    # What the run knows of its case, kept from the events it wrote instead of read back.
    version: int = 0
    area_code: str = ""
    inspector_id: int | None = None
    department_id: int | None = None
    returned_by: int | None = None
    self_handled: bool = False
    declined: bool = False
    confirmed: bool = True
    cancelled: bool = False
    urgency: Urgency = Urgency.ORDINARY
    override: bool = False
    fate: str = "on_time"  # on_time | overdue | extended | returned | suspended
    supervise: bool = False
    reopen: bool = False
    returned: bool = False
    reopened: bool = False
    checks: int = 0
    dispose_at: dt.datetime | None = None
    unit: TimeUnit = TimeUnit.WORKING_HOURS  # of the disposal limit, known from the dispatch
    resume_on: dt.date | None = None

    @property
    def public(self) -> bool:
        return self.source in PUBLIC_SOURCES


def _weighted(rng: random.Random, items: Sequence[tuple[T, int]]) -> T:
    return rng.choices([item for item, _w in items], weights=[w for _i, w in items])[0]


class Simulator:
    """Runs the steps of every case in order of simulated time, each through its action."""

    def __init__(
        self,
        city: City,
        *,
        seed: int,
        start: dt.date,
        days: int,
        per_day: int,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.city = city
        self.seed = seed
        self.start = start
        self.days = days
        self.per_day = per_day
        self.progress = progress
        self.calendar: WorkCalendar = worktime.get_calendar()
        self.zone = self.calendar.zone
        # A run that reaches today stops now: today's cases are caught in the middle of their day.
        self.end = min(
            dt.datetime.combine(start + dt.timedelta(days=days), dt.time(0), tzinfo=self.zone),
            timezone.now(),
        )
        self.queue: list[tuple[dt.datetime, int, int, Action]] = []
        self.pushed = 0
        self.plans: dict[int, Plan] = {}
        self.case_ids: list[int] = []
        self.steps = 0
        self.calendar_gaps: set[int] = set()
        self._digest = hashlib.sha256()
        self._shapes: dict[str, Any] = {}
        self._users: dict[int, User] = {}
        self._step_functions = {
            Action.REPORT: self._report,
            Action.ACCEPT: self._accept,
            Action.VERIFY: self._verify,
            Action.FILE: self._file,
            Action.CANCEL: self._cancel,
            Action.REVIEW_SELF_HANDLED: self._review,
            Action.DISPATCH: self._dispatch,
            Action.SIGN_FOR: self._sign_for,
            Action.APPROVE_RETURN: self._decide_return,
            Action.REQUEST_EXTENSION: self._request_extension,
            Action.APPROVE_EXTENSION: self._decide_extension,
            Action.REQUEST_SUSPENSION: self._request_suspension,
            Action.APPROVE_SUSPENSION: self._decide_suspension,
            Action.RESUME: self._resume,
            Action.SUPERVISE: self._supervise,
            Action.DISPOSE: self._dispose,
            Action.SEND_CHECK: self._send_check,
            Action.PASS_CHECK: self._check,
            Action.CLOSE: self._close,
            Action.REOPEN: self._reopen,
        }

    # -- time --

    def work_after(self, moment: dt.datetime, minutes: float) -> dt.datetime:
        """`minutes` of working time after `moment` (from the next working period when outside)."""
        hours = Decimal(str(round(max(minutes, 0) / 60, 6)))
        return pure.deadline(moment, hours, TimeUnit.WORKING_HOURS, calendar=self.calendar)

    def working_minutes(self, start: dt.datetime, end: dt.datetime) -> float:
        if end <= start:
            return 0.0
        hours = pure.elapsed(start, end, TimeUnit.WORKING_HOURS, calendar=self.calendar)
        return float(hours) * 60

    def centre_delay(self, plan: Plan, low: float = 3, high: float = 25) -> float:
        """How long a centre step waits, in working minutes: mostly inside its 30-minute limit."""
        if plan.rng.random() < MIX.slow_step:
            return plan.rng.uniform(31, 90)
        return plan.rng.uniform(low, high)

    # -- the queue --

    def schedule(self, at: dt.datetime, plan: Plan, step: Action) -> None:
        if at < self.end:  # later steps never happen in this run: the case stays where it is
            heapq.heappush(self.queue, (at, self.pushed, plan.serial, step))
            self.pushed += 1

    def run(self) -> None:
        self._generate_reports()
        day: dt.date | None = None
        while self.queue:
            at, _n, serial, step = heapq.heappop(self.queue)
            if self.progress is not None and at.astimezone(self.zone).date() != day:
                if day is not None:
                    self._day_done(day)
                day = at.astimezone(self.zone).date()
            plan = self.plans[serial]
            try:
                self._step_functions[step](plan, at)
            except CalendarYearMissing as exc:
                # A deadline past the calendar's last year: leave the case where it is.
                self.calendar_gaps.add(exc.year)
        if self.progress is not None and day is not None:
            self._day_done(day)

    def _day_done(self, day: dt.date) -> None:
        assert self.progress is not None
        self.progress(
            _("%(day)s 完成：累计案卷 %(cases)d 件，动作 %(steps)d 次")
            % {"day": day.isoformat(), "cases": len(self.case_ids), "steps": self.steps}
        )

    def trace(self, plan: Plan, event: CaseEvent) -> None:
        """Count a step taken; the digest of all steps shows that two runs of a seed did the same."""
        self._trace(plan, event.at, event.action, event.to_status)

    def _trace(self, plan: Plan, at: dt.datetime, action: str, status: str) -> None:
        self.steps += 1
        plan.version += 1  # every action moves the case's version on by one
        self._digest.update(f"{at.isoformat()}|{plan.serial}|{action}|{status}\n".encode())

    @property
    def digest(self) -> str:
        return self._digest.hexdigest()

    def case_of(self, plan: Plan) -> Case:
        return Case.objects.select_related("category").get(pk=plan.case_id)

    def user(self, pk: int | None) -> User:
        assert pk is not None
        if pk not in self._users:
            self._users[pk] = User.objects.get(pk=pk)
        return self._users[pk]

    # -- reports --

    def _generate_reports(self) -> None:
        rng = random.Random(f"finegrid-simulate-{self.seed}")
        serial = 0
        for offset in range(self.days):
            day = self.start + dt.timedelta(days=offset)
            workday = self.calendar.is_workday(day)
            spread = rng.uniform(0.85, 1.15)
            count = round(self.per_day * spread * (1 if workday else MIX.day_off_volume))
            for _i in range(count):
                serial += 1
                plan = self._draw_report(serial, workday, rng)
                self.plans[serial] = plan
                self.schedule(self._report_time(plan, day), plan, Action.REPORT)

    def _draw_report(self, serial: int, workday: bool, rng: random.Random) -> Plan:
        sources = (
            MIX.sources
            if workday
            else tuple(
                (s, w)
                for s, w in MIX.sources
                if s in (Source.HOTLINE, Source.CITIZEN, Source.SENSOR)
            )
        )
        source = _weighted(rng, sources)
        own = random.Random(f"{self.seed}-{serial}")
        city = self.city
        reporter: User | None = None
        if source == Source.INSPECTOR:
            reporter = own.choice(city.inspectors)
            spot = own.choice(city.patrols[reporter.pk])
        elif source == Source.UNDERCOVER:
            reporter = city.supervisor
            spot = own.choice(city.supervisor_spots)
        else:
            reporter = {
                Source.HOTLINE: city.receptionist,
                Source.MEDIA: city.receptionist,
                Source.LEADER: city.leader,
            }.get(source)
            spot = own.choice(city.spots)
        if source == Source.SENSOR and city.sensor_matters:
            problem = _weighted(own, [(p, p.weight) for p in city.sensor_matters])
        else:
            pool = city.parts if city.parts and own.random() < MIX.part_share else city.matters
            problem = _weighted(own, [(p, p.weight) for p in pool])
        plan = Plan(serial, own, source, problem, spot, reporter)
        plan.self_handled = source == Source.INSPECTOR and own.random() < MIX.self_handled
        plan.declined = plan.public and own.random() < MIX.declined
        plan.confirmed = own.random() >= MIX.not_confirmed
        plan.cancelled = own.random() < MIX.cancelled_after_filing
        plan.urgency = _weighted(own, MIX.urgency)
        plan.reopen = plan.source in FOLLOWED_UP_SOURCES and own.random() < MIX.reopen
        return plan

    def _report_time(self, plan: Plan, day: dt.date) -> dt.datetime:
        rng = plan.rng
        if plan.source in (Source.HOTLINE, Source.CITIZEN):
            # The hotline and the app take reports from early morning to late evening.
            first, last = (7 * 60, 22 * 60) if plan.source == Source.HOTLINE else (7 * 60, 23 * 60)
            minute = rng.uniform(first, last)
        elif plan.source == Source.SENSOR:
            minute = rng.uniform(0, 24 * 60)
        else:
            # Staff report inside working periods: pick a moment in the day's working time.
            midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.zone)
            intervals = self.calendar.working_intervals(day)
            total = sum((end - begin).total_seconds() for begin, end in intervals) / 60
            return self.work_after(midnight, rng.uniform(0, total))
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.zone) + dt.timedelta(minutes=minute)

    def _point_in(self, plan: Plan) -> tuple[float, float]:
        spot = plan.spot
        outline = self._shapes.get(spot.code)
        if outline is None:
            outline = self._shapes[spot.code] = shape(spot.boundary)
        min_x, min_y, max_x, max_y = outline.bounds
        for _attempt in range(50):
            x = round(plan.rng.uniform(min_x, max_x), 6)
            y = round(plan.rng.uniform(min_y, max_y), 6)
            if outline.contains(Point(x, y)):
                return x, y
        point = outline.representative_point()
        return point.x, point.y

    def _citizen(self, plan: Plan) -> actions.CitizenInput:
        rng = plan.rng
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.randint(1, 2)))
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        return actions.CitizenInput(name=name, phone=phone)

    def _report(self, plan: Plan, at: dt.datetime) -> None:
        rng = plan.rng
        lon, lat = self._point_in(plan)
        road = ROADS[int(plan.spot.code[-3:]) % len(ROADS)]
        address = f"{plan.spot.place}{road}{rng.randint(1, 299)}号附近"
        description = rng.choice(plan.problem.descriptions)
        prefix = {
            Source.LEADER: "领导交办：",
            Source.MEDIA: "媒体曝光：",
            Source.UNDERCOVER: "暗访发现：",
        }
        citizen = self._citizen(plan) if plan.source in (Source.HOTLINE, Source.CITIZEN) else None
        # Staff and cameras name the category; a citizen's words are classified at filing.
        named = plan.source in (Source.INSPECTOR, Source.SENSOR, Source.UNDERCOVER)
        case = actions.report_case(
            actor=plan.reporter,
            source=plan.source,
            lon=lon,
            lat=lat,
            address=address,
            description=prefix.get(plan.source, "") + description,
            category=plan.problem.category if named else None,
            citizen=citizen,
            self_handled=plan.self_handled,
            at=at,
        )
        plan.case_id, plan.area_code = case.pk, case.area_code
        self.case_ids.append(case.pk)
        self._trace(plan, at, Action.REPORT, case.status)
        if plan.self_handled:
            self.schedule(
                self.work_after(at, rng.uniform(10, 50)), plan, Action.REVIEW_SELF_HANDLED
            )
        else:
            self.schedule(self.work_after(at, self.centre_delay(plan, 2, 25)), plan, Action.ACCEPT)

    # -- the supervision centre --

    def _accept(self, plan: Plan, at: dt.datetime) -> None:
        actor = self.city.receptionist
        if plan.declined:
            event = actions.decline_case(
                case_id=plan.case_id,
                version=plan.version,
                actor=actor,
                note=plan.rng.choice(DECLINE_NOTES),
                at=at,
            )
            self.trace(plan, event)
            return
        event = actions.accept_case(case_id=plan.case_id, version=plan.version, actor=actor, at=at)
        self.trace(plan, event)
        plan.inspector_id = event.data.get("inspector")  # none for an inspector's own report
        next_step = Action.FILE if plan.source == Source.INSPECTOR else Action.VERIFY
        self.schedule(self.work_after(at, self.centre_delay(plan, 5, 28)), plan, next_step)

    def _verify(self, plan: Plan, at: dt.datetime) -> None:
        inspector = self.user(plan.inspector_id)
        note = "" if plan.confirmed else plan.rng.choice(NOT_FOUND_NOTES)
        event = actions.verify_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=inspector,
            confirmed=plan.confirmed,
            note=note,
            at=at,
        )
        self.trace(plan, event)
        next_step = Action.FILE if plan.confirmed else Action.CANCEL
        self.schedule(self.work_after(at, self.centre_delay(plan)), plan, next_step)

    def _cancel(self, plan: Plan, at: dt.datetime) -> None:
        note = "经监督员核实，现场未发现所报问题，作废" if not plan.confirmed else "立案有误，作废"
        event = actions.cancel_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=self.city.shift_leader,
            note=note,
            at=at,
        )
        self.trace(plan, event)

    def _file(self, plan: Plan, at: dt.datetime) -> None:
        event = actions.file_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=self.city.shift_leader,
            category=plan.problem.category,
            filing_rule=plan.problem.rule,
            urgency=plan.urgency,
            at=at,
        )
        self.trace(plan, event)
        next_step = Action.CANCEL if plan.confirmed and plan.cancelled else Action.DISPATCH
        self.schedule(self.work_after(at, self.centre_delay(plan)), plan, next_step)

    def _review(self, plan: Plan, at: dt.datetime) -> None:
        approved = plan.rng.random() >= MIX.self_handled_rejected
        event = actions.review_self_handled(
            case_id=plan.case_id,
            version=plan.version,
            actor=self.city.shift_leader,
            approved=approved,
            note="" if approved else "问题未处置彻底，转立案派遣",
            at=at,
        )
        self.trace(plan, event)
        next_step = Action.CLOSE if approved else Action.FILE
        self.schedule(self.work_after(at, self.centre_delay(plan, 5, 40)), plan, next_step)

    # -- the command centre --

    def _dispatch(self, plan: Plan, at: dt.datetime) -> None:
        case = self.case_of(plan)  # the proposal reads the case as it stands now
        rng = plan.rng
        first_dispatch = not plan.returned
        proposed = propose_department(case).department
        department, note = self._choose_department(plan, case, proposed)
        if department is None:
            return  # nobody to send it to: it waits in the dispatch queue
        event = actions.dispatch_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=self.city.dispatcher,
            department=department,
            note=note,
            at=at,
        )
        self.trace(plan, event)
        plan.department_id = department.pk
        plan.unit = TimeUnit(str(event.data["limit"]).split()[-1])
        if first_dispatch:
            self._draw_disposal(plan, overridden=department != proposed)
        elif plan.fate == "returned":
            plan.fate = "overdue" if rng.random() < MIX.overdue else "on_time"
        if department.pk not in self.city.handlers:
            return  # nobody there to sign for it
        self.schedule(self._handler_after(plan, at, 3, 40), plan, Action.SIGN_FOR)

    def _choose_department(
        self, plan: Plan, case: Case, proposed: Unit | None
    ) -> tuple[Unit | None, str]:
        """Mostly the proposal; sometimes the dispatcher knows better (or thinks so)."""
        rng = plan.rng
        local = [u for u in self.city.local_units(case.area_code) if u != proposed]
        if plan.returned:
            # After a return: the proposal if the first choice overrode it, else the street
            # office (属地兜底), else another local unit; never the unit that sent it back.
            choices = [u for u in [proposed, *local] if u is not None and u.pk != plan.returned_by]
            if plan.override and proposed is not None and proposed in choices:
                return proposed, "按派遣建议改派"
            offices = [u for u in choices if u.kind == UnitKind.STREET_OFFICE]
            if offices:
                return offices[0], "属地兜底，改派街道"
            return (choices[0] if choices else None), "改派"
        if proposed is None or (local and rng.random() < MIX.override):
            return (rng.choice(local) if local else None), rng.choice(OVERRIDE_NOTES)
        return proposed, ""

    def _draw_disposal(self, plan: Plan, *, overridden: bool) -> None:
        rng = plan.rng
        plan.override = overridden
        fates = (
            ("returned", MIX.returned_after_override if overridden else MIX.returned),
            ("suspended", MIX.suspended),
            ("extended", MIX.extended),
            ("overdue", MIX.overdue),
        )
        roll = rng.random()
        plan.fate = "on_time"
        for fate, share in fates:
            if roll < share:
                plan.fate = fate
                break
            roll -= share
        chance = MIX.supervise_overdue if plan.fate == "overdue" else MIX.supervise_other
        plan.supervise = rng.random() < chance

    def _handler_after(self, plan: Plan, at: dt.datetime, low: float, high: float) -> dt.datetime:
        if plan.unit == TimeUnit.URGENT_HOURS:  # emergency crews work around the clock
            return at + dt.timedelta(minutes=plan.rng.uniform(low, high) / 2)
        return self.work_after(at, plan.rng.uniform(low, high))

    def _handler(self, plan: Plan) -> User:
        assert plan.department_id is not None
        return plan.rng.choice(self.city.handlers[plan.department_id])

    # -- the department --

    def _sign_for(self, plan: Plan, at: dt.datetime) -> None:
        handler = self._handler(plan)
        if plan.fate == "returned" and not plan.returned:
            event = actions.request_return(
                case_id=plan.case_id,
                version=plan.version,
                actor=handler,
                note=plan.rng.choice(RETURN_NOTES),
                at=at,
            )
            self.trace(plan, event)
            self.schedule(
                self.work_after(at, self.centre_delay(plan, 10, 40)), plan, Action.APPROVE_RETURN
            )
            return
        event = actions.sign_for_case(
            case_id=plan.case_id, version=plan.version, actor=handler, at=at
        )
        self.trace(plan, event)
        self._plan_disposal(plan, at, event)

    def _plan_disposal(self, plan: Plan, at: dt.datetime, event: CaseEvent) -> None:
        """From a running disposal clock: the next request, or when the fix is reported."""
        deadline = dt.datetime.fromisoformat(str(event.data["disposal_deadline"]))
        rng = plan.rng
        if plan.fate == "suspended":
            when = self._share_of_limit(plan, deadline, at, rng.uniform(0.2, 0.5))
            self.schedule(when, plan, Action.REQUEST_SUSPENSION)
        elif plan.fate == "extended":
            when = self._share_of_limit(plan, deadline, at, rng.uniform(0.5, 0.8))
            self.schedule(when, plan, Action.REQUEST_EXTENSION)
        else:
            overdue = plan.fate == "overdue"
            share = rng.uniform(1.1, 2.0) if overdue else rng.uniform(0.2, 0.9)
            plan.dispose_at = self._share_of_limit(plan, deadline, at, share)
            if plan.supervise:
                plan.supervise = False  # once
                middle = self._share_of_limit(plan, deadline, at, share * rng.uniform(0.6, 0.95))
                self.schedule(middle, plan, Action.SUPERVISE)
            else:
                self.schedule(plan.dispose_at, plan, Action.DISPOSE)

    def _share_of_limit(
        self, plan: Plan, deadline: dt.datetime, start: dt.datetime, share: float
    ) -> dt.datetime:
        """The moment when `share` of the time left from `start` to the deadline has passed."""
        if plan.unit in (TimeUnit.URGENT_HOURS, TimeUnit.CALENDAR_DAYS):
            left = max((deadline - start).total_seconds(), 600)
            moment = start + dt.timedelta(seconds=left * share)
            if plan.unit == TimeUnit.URGENT_HOURS:
                return moment
            return self.work_after(moment, 0)  # departments report back in working time
        left_minutes = max(self.working_minutes(start, deadline), 10)
        return self.work_after(start, left_minutes * share)

    def _decide_return(self, plan: Plan, at: dt.datetime) -> None:
        if plan.rng.random() < MIX.return_rejected:
            event = actions.reject_return(
                case_id=plan.case_id,
                version=plan.version,
                actor=self.city.dispatcher,
                note="经核实属于你单位职责，请按时处置",
                at=at,
            )
            self.trace(plan, event)
            plan.fate = "on_time"
            self._plan_disposal(plan, at, event)
            return
        event = actions.approve_return(
            case_id=plan.case_id, version=plan.version, actor=self.city.dispatcher, at=at
        )
        self.trace(plan, event)
        plan.returned, plan.returned_by, plan.department_id = True, plan.department_id, None
        self.schedule(self.work_after(at, self.centre_delay(plan, 5, 20)), plan, Action.DISPATCH)

    def _request_extension(self, plan: Plan, at: dt.datetime) -> None:
        # The same time again: what the filing rule allows at this urgency.
        amount, unit = plan.problem.rule.limit_for(plan.urgency)
        event = actions.request_extension(
            case_id=plan.case_id,
            version=plan.version,
            actor=self._handler(plan),
            amount=Decimal(amount),
            unit=TimeUnit(unit),
            note=plan.rng.choice(EXTEND_NOTES),
            at=at,
        )
        self.trace(plan, event)
        self.schedule(
            self.work_after(at, self.centre_delay(plan, 5, 30)), plan, Action.APPROVE_EXTENSION
        )

    def _decide_extension(self, plan: Plan, at: dt.datetime) -> None:
        if plan.rng.random() < MIX.extension_rejected:
            event = actions.reject_extension(
                case_id=plan.case_id,
                version=plan.version,
                actor=self.city.dispatcher,
                note="理由不充分，请按原时限处置",
                at=at,
            )
            self.trace(plan, event)
        else:
            event = actions.approve_extension(
                case_id=plan.case_id, version=plan.version, actor=self.city.dispatcher, at=at
            )
            self.trace(plan, event)
        plan.fate = "on_time"
        self._plan_disposal(plan, at, event)

    def _request_suspension(self, plan: Plan, at: dt.datetime) -> None:
        resume_on = at.astimezone(self.zone).date() + dt.timedelta(days=plan.rng.randint(3, 10))
        plan.resume_on = resume_on
        event = actions.request_suspension(
            case_id=plan.case_id,
            version=plan.version,
            actor=self._handler(plan),
            note=plan.rng.choice(SUSPEND_NOTES),
            resume_on=resume_on,
            at=at,
        )
        self.trace(plan, event)
        self.schedule(
            self.work_after(at, self.centre_delay(plan, 10, 40)), plan, Action.APPROVE_SUSPENSION
        )

    def _decide_suspension(self, plan: Plan, at: dt.datetime) -> None:
        plan.fate = "on_time"
        if plan.rng.random() < MIX.suspension_rejected:
            event = actions.reject_suspension(
                case_id=plan.case_id,
                version=plan.version,
                actor=self.city.dispatcher,
                note="不符合挂账条件，请继续处置",
                at=at,
            )
            self.trace(plan, event)
            self._plan_disposal(plan, at, event)
            return
        event = actions.approve_suspension(
            case_id=plan.case_id, version=plan.version, actor=self.city.dispatcher, at=at
        )
        self.trace(plan, event)
        assert plan.resume_on is not None
        morning = dt.datetime.combine(plan.resume_on, dt.time(0), tzinfo=self.zone)
        self.schedule(self.work_after(morning, plan.rng.uniform(20, 120)), plan, Action.RESUME)

    def _resume(self, plan: Plan, at: dt.datetime) -> None:
        event = actions.resume_case(
            case_id=plan.case_id, version=plan.version, actor=self.city.dispatcher, at=at
        )
        self.trace(plan, event)
        self._plan_disposal(plan, at, event)

    def _supervise(self, plan: Plan, at: dt.datetime) -> None:
        city = self.city
        actor = city.supervisor if plan.area_code.startswith(city.supervisor_scope) else city.leader
        event = actions.supervise_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=actor,
            note=plan.rng.choice(SUPERVISE_NOTES),
            at=at,
        )
        self.trace(plan, event)
        assert plan.dispose_at is not None
        self.schedule(max(plan.dispose_at, at), plan, Action.DISPOSE)

    def _dispose(self, plan: Plan, at: dt.datetime) -> None:
        event = actions.dispose_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=self._handler(plan),
            note=_dispose_note(plan.problem.category.name),
            at=at,
        )
        self.trace(plan, event)
        self.schedule(self.work_after(at, self.centre_delay(plan)), plan, Action.SEND_CHECK)

    # -- checks and closing --

    def _send_check(self, plan: Plan, at: dt.datetime) -> None:
        event = actions.send_check(
            case_id=plan.case_id, version=plan.version, actor=self.city.receptionist, at=at
        )
        self.trace(plan, event)
        plan.inspector_id = event.data["inspector"]
        self.schedule(self.work_after(at, self.centre_delay(plan, 10, 28)), plan, Action.PASS_CHECK)

    def _check(self, plan: Plan, at: dt.datetime) -> None:
        rng = plan.rng
        plan.checks += 1
        fails = rng.random() < (MIX.rework if plan.checks == 1 else MIX.rework_again)
        inspector = self.user(plan.inspector_id)
        event = actions.check_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=inspector,
            passed=not fails,
            note=rng.choice(REWORK_NOTES) if fails else "",
            at=at,
        )
        if not fails:
            self.trace(plan, event)
            self.schedule(self.work_after(at, self.centre_delay(plan, 5, 45)), plan, Action.CLOSE)
            return
        self.trace(plan, event)
        plan.fate = "overdue" if rng.random() < MIX.overdue else "on_time"
        plan.supervise = False
        self._plan_disposal(plan, at, event)

    def _close(self, plan: Plan, at: dt.datetime) -> None:
        event = actions.close_case(
            case_id=plan.case_id, version=plan.version, actor=self.city.shift_leader, at=at
        )
        self.trace(plan, event)
        if plan.reopen and not plan.reopened and plan.department_id is not None:
            # The follow-up call (回访) a few working days later finds it unsolved.
            self.schedule(
                self.work_after(at, plan.rng.uniform(60, 4 * 8 * 60)), plan, Action.REOPEN
            )

    def _reopen(self, plan: Plan, at: dt.datetime) -> None:
        event = actions.reopen_case(
            case_id=plan.case_id,
            version=plan.version,
            actor=self.city.receptionist,
            note=plan.rng.choice(REOPEN_NOTES),
            at=at,
        )
        self.trace(plan, event)
        plan.reopened = True
        plan.fate = "on_time"
        self._plan_disposal(plan, at, event)


def _dispose_note(name: str) -> str:
    notes = (
        (("垃圾", "不洁", "脏乱", "满溢", "废弃料"), "已清扫清运完毕，现场整洁"),
        (("经营", "促销"), "已劝离摊贩，现场秩序恢复"),
        (("广告",), "已清除，墙面杆体恢复整洁"),
        (("停放", "单车"), "已规范停放，通道恢复畅通"),
        (("井盖",), "已更换井盖，安放平稳"),
        (("路灯",), "已维修，恢复照明"),
        (("树",), "已修剪扶正"),
    )
    for words, note in notes:
        if any(word in name for word in words):
            return note
    return "已处置完毕，现场已恢复"


# --- the run -------------------------------------------------------------------------------------


def default_start(days: int) -> dt.date:
    """The first day of a run of `days` days whose last day is today (simulated up to now)."""
    return timezone.localdate() - dt.timedelta(days=days - 1)


def check_window(*, days: int, start: dt.date, per_day: int) -> None:
    """Refuse a run that cannot be simulated, before anything is written."""
    if days < 1 or days > MAX_DAYS:
        raise SimulationError(
            _("模拟天数应为 1 至 %(max)d 之间的整数，收到 %(days)d")
            % {"max": MAX_DAYS, "days": days}
        )
    if per_day < 1 or per_day > MAX_PER_DAY:
        raise SimulationError(
            _("每日上报数应为 1 至 %(max)d 之间的整数，收到 %(n)d")
            % {"max": MAX_PER_DAY, "n": per_day}
        )
    calendar = worktime.get_calendar()
    last = start + dt.timedelta(days=days - 1)
    if last > timezone.localdate():
        raise SimulationError(
            _(
                "模拟不能超过今天：%(start)s 起 %(days)d 天将模拟到 %(last)s，"
                "请选择更早的开始日期或更少的天数"
            )
            % {"start": start.isoformat(), "days": days, "last": last.isoformat()}
        )
    for year in range(start.year, last.year + 1):
        if not calendar.covers(year):
            raise SimulationError(
                _(
                    "工作日历没有 %(year)d 年的节假日安排，不能模拟 %(start)s 至 %(last)s：请选择日历已有的年份（%(years)s），或先录入该年的日历"
                )
                % {
                    "year": year,
                    "start": start.isoformat(),
                    "last": last.isoformat(),
                    "years": f"{min(calendar.years)}–{max(calendar.years)}",
                }
            )
    if not Grid.objects.valid_on(start).exists():
        raise SimulationError(
            _("%(start)s 没有有效的单元网格，请选择网格生效之后的日期")
            % {"start": start.isoformat()}
        )


def simulate(
    *,
    days: int = DEFAULT_DAYS,
    seed: int = 0,
    start: dt.date | None = None,
    per_day: int = DEFAULT_PER_DAY,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Simulate `days` days from `start` and count the mix.

    By default the last day is today, simulated up to now, so that the platform opens with cases
    in the middle of their steps (such a run depends on the hour; one in the past does not).
    One transaction: a run either completes or leaves the database as it was.
    """
    start = start or default_start(days)
    check_window(days=days, start=start, per_day=per_day)
    started = time.perf_counter()
    with transaction.atomic():
        simulator = Simulator(
            City(), seed=seed, start=start, days=days, per_day=per_day, progress=progress
        )
        simulator.run()
    result = SimulationResult(start=start, days=days, seed=seed, per_day=per_day)
    result.seconds = time.perf_counter() - started
    result.steps = simulator.steps
    result.digest = simulator.digest
    result.calendar_gaps = simulator.calendar_gaps
    result.until = simulator.end
    _count(result, simulator.case_ids)
    result.audit_problems = verify_chain()
    return result


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for index in range(0, len(ids), size):
        yield ids[index : index + size]


def _count(result: SimulationResult, case_ids: Sequence[int]) -> None:
    """The mix as the events tell it: the same numbers a bulletin would compute."""
    result.cases = len(case_ids)
    result.case_ids = list(case_ids)
    for chunk in _chunks(case_ids):
        cases = Case.objects.filter(pk__in=chunk)
        result.by_source.update(cases.values_list("source", flat=True))
        result.by_status.update(cases.values_list("status", flat=True))
        result.supervised_cases += cases.filter(supervised=True).count()
        result.reworked_cases += cases.filter(rework_count__gt=0).count()
        events = CaseEvent.objects.filter(case_id__in=chunk)
        result.actions.update(events.values_list("action", flat=True))
        for action, data in events.filter(action__in=[Action.DISPOSE, Action.DISPATCH]).values_list(
            "action", "data"
        ):
            if action == Action.DISPOSE:
                if data.get("on_time"):
                    result.disposed_on_time += 1
                else:
                    result.disposed_overdue += 1
            elif data.get("overridden"):
                result.overridden += 1
