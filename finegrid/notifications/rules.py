"""Who hears about what: the audiences of a case, the table of events that call for messages,
and how an audience turns into recipients on channels.

A unit (a department, a centre) gets one in-app message in its shared inbox and an e-mail to
each active member who has an address; an inspector the same for themself; a citizen an SMS when
a phone is known. Channels a city has switched off (FINEGRID_NOTIFY_CHANNELS) are dropped when
messages are queued, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finegrid.cases.models import Case, CitizenContact
from finegrid.cases.workflow import Action, Status
from finegrid.notifications.models import Channel
from finegrid.org.models import Unit, UnitKind, User


class Audience(StrEnum):
    DEPARTMENT = "department"  # the department the case is (or was just) sent to
    INSPECTOR = "inspector"  # the inspector sent to verify or check
    SUPERVISION_CENTRE = "supervision_centre"  # 监督中心 covering the case's area
    COMMAND_CENTRE = "command_centre"  # 指挥中心 covering the case's area: the dispatchers
    CITIZEN = "citizen"  # the citizen who reported it


@dataclass(frozen=True)
class Recipient:
    channel: Channel
    user: User | None = None
    unit: Unit | None = None
    citizen: CitizenContact | None = None

    @property
    def key(self) -> str:
        if self.user is not None:
            who = f"u{self.user.pk}"
        elif self.unit is not None:
            who = f"g{self.unit.pk}"
        else:
            assert self.citizen is not None
            who = f"c{self.citizen.pk}"
        return f"{who}:{self.channel}"


@dataclass(frozen=True)
class Rule:
    audiences: tuple[Audience, ...]
    subject: Promise
    body: Promise


A = Audience
#: Events that call for messages: (action, status reached, or None for any) → rule. The body's
#: placeholders: case_no, address, description, department, deadline, note.
EVENT_RULES: Final[Mapping[tuple[Action, Status | None], Rule]] = {
    (Action.ACCEPT, Status.VERIFYING): Rule(
        (A.INSPECTOR,),
        _("请核实案卷%(case_no)s"),
        _(
            "案卷%(case_no)s待您到现场核实，请于%(deadline)s前完成。地点：%(address)s。问题：%(description)s"
        ),
    ),
    (Action.DECLINE, None): Rule(
        (A.CITIZEN,),
        _("您反映的问题未予受理"),
        _("您反映的问题（%(case_no)s）未予受理。原因：%(note)s"),
    ),
    (Action.DISPATCH, None): Rule(
        (A.DEPARTMENT,),
        _("新派遣案卷%(case_no)s"),
        _(
            "案卷%(case_no)s已派遣至%(department)s，请签收并于%(deadline)s前处置。地点：%(address)s。问题：%(description)s"
        ),
    ),
    (Action.REQUEST_EXTENSION, None): Rule(
        (A.COMMAND_CENTRE,),
        _("案卷%(case_no)s申请延期"),
        _("%(department)s申请延期处置案卷%(case_no)s，请审批。理由：%(note)s"),
    ),
    (Action.REQUEST_RETURN, None): Rule(
        (A.COMMAND_CENTRE,),
        _("案卷%(case_no)s申请回退"),
        _("%(department)s申请回退案卷%(case_no)s，请审批。理由：%(note)s"),
    ),
    (Action.REQUEST_SUSPENSION, None): Rule(
        (A.COMMAND_CENTRE,),
        _("案卷%(case_no)s申请挂账"),
        _("%(department)s申请挂账案卷%(case_no)s，请审批。理由：%(note)s"),
    ),
    (Action.APPROVE_EXTENSION, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s延期已批准"),
        _("案卷%(case_no)s的延期申请已批准，新的处置时限为%(deadline)s。"),
    ),
    (Action.REJECT_EXTENSION, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s延期被驳回"),
        _("案卷%(case_no)s的延期申请被驳回，请于%(deadline)s前处置。意见：%(note)s"),
    ),
    (Action.APPROVE_RETURN, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s回退已批准"),
        _("案卷%(case_no)s的回退申请已批准，案卷将重新派遣。"),
    ),
    (Action.REJECT_RETURN, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s回退被驳回"),
        _("案卷%(case_no)s的回退申请被驳回，请于%(deadline)s前处置。意见：%(note)s"),
    ),
    (Action.APPROVE_SUSPENSION, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s挂账已批准"),
        _("案卷%(case_no)s已挂账，计时暂停，恢复后继续处置。"),
    ),
    (Action.REJECT_SUSPENSION, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s挂账被驳回"),
        _("案卷%(case_no)s的挂账申请被驳回，请于%(deadline)s前处置。意见：%(note)s"),
    ),
    (Action.RESUME, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s恢复处置"),
        _("挂账案卷%(case_no)s已恢复处置，请于%(deadline)s前处置。"),
    ),
    (Action.SEND_CHECK, None): Rule(
        (A.INSPECTOR,),
        _("请核查案卷%(case_no)s"),
        _("案卷%(case_no)s已处置，请到现场核查，于%(deadline)s前完成。地点：%(address)s"),
    ),
    (Action.REWORK, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s核查未通过，请返工"),
        _("案卷%(case_no)s核查未通过，请于%(deadline)s前重新处置。意见：%(note)s"),
    ),
    (Action.REOPEN, None): Rule(
        (A.DEPARTMENT,),
        _("案卷%(case_no)s重新开启"),
        _("市民反映案卷%(case_no)s的问题仍未解决，请于%(deadline)s前重新处置。意见：%(note)s"),
    ),
    (Action.SUPERVISE, None): Rule(
        (A.DEPARTMENT, A.SUPERVISION_CENTRE),
        _("案卷%(case_no)s被督办"),
        _("案卷%(case_no)s已被列为督办案卷，请加快办理。督办意见：%(note)s"),
    ),
    (Action.CLOSE, None): Rule(
        (A.CITIZEN,),
        _("您反映的问题已办结"),
        _("您反映的问题（%(case_no)s）已处理完毕并结案，感谢您对城市管理的支持。"),
    ),
}


def rule_for(action: Action, to_status: Status) -> Rule | None:
    return EVENT_RULES.get((action, to_status)) or EVENT_RULES.get((action, None))


@dataclass
class Resolver:
    """Turns audiences into recipients, remembering units and members across many cases."""

    _units: dict[int, Unit | None] = field(default_factory=dict)
    _members: dict[int, list[User]] = field(default_factory=dict)
    _users: dict[int, User | None] = field(default_factory=dict)
    _centres: dict[UnitKind, list[Unit]] = field(default_factory=dict)

    def recipients(
        self,
        audiences: Iterable[Audience],
        case: Case,
        *,
        department_id: int | None = None,
        inspector_id: int | None = None,
    ) -> list[Recipient]:
        """Everyone the audiences name for this case, each (recipient, channel) once.

        `department_id` and `inspector_id` override the case's own (an event names the ones it
        was about, even if the case has moved on since).
        """
        found: dict[str, Recipient] = {}
        for audience in audiences:
            for recipient in self._resolve(audience, case, department_id, inspector_id):
                found.setdefault(recipient.key, recipient)
        return list(found.values())

    def _resolve(
        self,
        audience: Audience,
        case: Case,
        department_id: int | None,
        inspector_id: int | None,
    ) -> list[Recipient]:
        if audience == Audience.DEPARTMENT:
            unit = self.unit(department_id or case.department_id)
            return self._for_unit(unit) if unit is not None else []
        if audience == Audience.INSPECTOR:
            user = self._user(inspector_id or case.inspector_id)
            return self._for_user(user) if user is not None else []
        if audience == Audience.CITIZEN:
            citizen = case.citizen
            if citizen is None or not citizen.phone:
                return []
            return [Recipient(Channel.SMS, citizen=citizen)]
        kind = (
            UnitKind.SUPERVISION_CENTRE
            if audience == Audience.SUPERVISION_CENTRE
            else UnitKind.COMMAND_CENTRE
        )
        return [r for unit in self._centres_for(kind, case.area_code) for r in self._for_unit(unit)]

    def _for_unit(self, unit: Unit) -> list[Recipient]:
        recipients = [Recipient(Channel.IN_APP, unit=unit)]
        if unit.pk not in self._members:
            self._members[unit.pk] = list(
                User.objects.filter(unit=unit, is_active=True).exclude(email="").order_by("pk")
            )
        recipients += [Recipient(Channel.EMAIL, user=m) for m in self._members[unit.pk]]
        return recipients

    @staticmethod
    def _for_user(user: User) -> list[Recipient]:
        if not user.is_active:
            return []
        recipients = [Recipient(Channel.IN_APP, user=user)]
        if user.email:
            recipients.append(Recipient(Channel.EMAIL, user=user))
        return recipients

    def unit(self, unit_id: int | None) -> Unit | None:
        if unit_id is None:
            return None
        if unit_id not in self._units:
            self._units[unit_id] = Unit.objects.filter(pk=unit_id).first()
        return self._units[unit_id]

    def _user(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            self._users[user_id] = User.objects.filter(pk=user_id).first()
        return self._users[user_id]

    def _centres_for(self, kind: UnitKind, area_code: str) -> list[Unit]:
        """The active centres of this kind whose area holds the case; only the most local ones."""
        if kind not in self._centres:
            self._centres[kind] = list(
                Unit.objects.filter(kind=kind, is_active=True).select_related("area")
            )
        covering = [u for u in self._centres[kind] if area_code.startswith(u.area.code_prefix)]
        if not covering:
            return []
        closest = max(len(u.area.code_prefix) for u in covering)
        return sorted(
            (u for u in covering if len(u.area.code_prefix) == closest), key=lambda u: u.pk
        )
