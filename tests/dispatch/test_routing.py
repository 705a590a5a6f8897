"""Routing: the department the dispatcher is offered for a case, why, and what dispatch records."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from finegrid.cases import actions
from finegrid.cases.models import Case, CaseEvent, Source
from finegrid.cases.workflow import Status
from finegrid.catalogue.actions import import_components
from finegrid.catalogue.models import Category, Kind
from finegrid.dispatch.models import RoutingRule
from finegrid.dispatch.routing import propose_department
from finegrid.geo.models import Area
from finegrid.org.models import Unit, User
from tests.cases.conftest import grid_point

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 11, 16, 9, tzinfo=SH)
HUBIN_GRID = "990102001001005"  # 明湖区 湖滨街道 湖滨社区
STREET_LAMP = "99010201037000001"  # 明湖区 01 037 路灯, serial 1


def category(name: str, kind: Kind = Kind.MATTER) -> Category:
    return Category.objects.get(kind=kind, name=name)


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def report(
    cast: dict[str, User], of: Category, *, grid: str = HUBIN_GRID, component_code: str = ""
) -> Case:
    lon, lat = grid_point(grid)
    return actions.report_case(
        actor=cast["inspector"],
        source=Source.INSPECTOR,
        lon=lon,
        lat=lat,
        description=f"巡查发现{of.name}",
        category=of,
        component_code=component_code,
        at=AT,
    )


def rule(of: Category | None, within: str | None, to: str, note: str = "") -> RoutingRule:
    return RoutingRule.objects.create(
        category=of, area=area(within) if within else None, department=unit(to), note=note
    )


# --- routing rules ---------------------------------------------------------------------------


def test_category_with_the_deepest_area_beats_every_less_specific_rule(
    cast: dict[str, User],
) -> None:
    rubbish = category("暴露垃圾")
    rule(rubbish, None, "示范市环境卫生集团", "全市暴露垃圾")
    rule(rubbish, "990102", "明湖区城市管理局", "明湖区暴露垃圾")
    best = rule(rubbish, "990102001", "明湖区湖滨街道办事处", "湖滨街道暴露垃圾由街道清运")
    rule(None, "990102001001", "明湖区住房和城乡建设局", "湖滨社区所有问题")
    case = report(cast, rubbish)

    proposal = propose_department(case)

    assert proposal.department == unit("明湖区湖滨街道办事处")
    assert proposal.reason == "派遣规则：湖滨街道暴露垃圾由街道清运"
    assert proposal.rule_id == best.pk


def test_a_category_rule_anywhere_beats_an_area_only_rule_however_deep(
    cast: dict[str, User],
) -> None:
    rubbish = category("暴露垃圾")
    anywhere = rule(rubbish, None, "示范市环境卫生集团")
    rule(None, "990102001001", "明湖区住房和城乡建设局", "湖滨社区所有问题")
    case = report(cast, rubbish)

    proposal = propose_department(case)

    assert proposal.department == unit("示范市环境卫生集团")
    assert proposal.rule_id == anywhere.pk
    assert proposal.reason == f"派遣规则：{anywhere}"


def test_an_area_only_rule_applies_to_any_category_inside_its_area(
    cast: dict[str, User],
) -> None:
    area_rule = rule(None, "990102001", "明湖区湖滨街道办事处", "湖滨街道所有问题先派街道")
    inside = report(cast, category("占道经营"))
    outside = report(cast, category("占道经营"), grid="990103001001001")

    assert propose_department(inside).rule_id == area_rule.pk
    assert propose_department(outside).department == unit("青山区城市管理局")
    assert propose_department(outside).rule_id is None


def test_inactive_rules_and_rules_to_inactive_units_are_ignored(cast: dict[str, User]) -> None:
    rubbish = category("暴露垃圾")
    fallback = rule(rubbish, "990102", "明湖区城市管理局", "明湖区")
    switched_off = rule(rubbish, "990102001", "明湖区湖滨街道办事处", "停用的规则")
    switched_off.is_active = False
    switched_off.save()
    closed = rule(rubbish, "990102001001", "明湖区住房和城乡建设局", "单位已撤销")
    Unit.objects.filter(pk=closed.department_id).update(is_active=False)
    case = report(cast, rubbish)

    proposal = propose_department(case)

    assert proposal.rule_id == fallback.pk
    assert proposal.department == unit("明湖区城市管理局")


def test_equally_specific_rules_resolve_to_the_oldest(cast: dict[str, User]) -> None:
    rubbish = category("暴露垃圾")
    first = rule(rubbish, "990102001", "明湖区湖滨街道办事处", "先建")
    rule(rubbish, "990102001", "明湖区城市管理局", "后建")

    assert propose_department(report(cast, rubbish)).rule_id == first.pk


# --- the component's owner ---------------------------------------------------------------------


def _inventory(path: Path, owner: str) -> None:
    header = [
        "管理部件标识码",
        "管理部件名称",
        "主管部门代码",
        "主管部门名称",
        "所在单元网格标识码",
    ]
    header += ["管理部件状态", "初始日期"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(
            [STREET_LAMP, "路灯", "11990100MB0000001X", owner, HUBIN_GRID, "完好", "20260105"]
        )


def test_a_component_code_routes_to_the_components_owner_before_any_rule(
    cast: dict[str, User], tmp_path: Path
) -> None:
    lamp = category("路灯", Kind.PART)
    _inventory(tmp_path / "lamps.csv", owner="示范市城市管理局")
    assert import_components(path=tmp_path / "lamps.csv").created == 1
    rule(lamp, "990102001", "明湖区湖滨街道办事处", "湖滨街道路灯")
    case = report(cast, lamp, component_code=STREET_LAMP)

    proposal = propose_department(case)

    assert proposal.department == unit("示范市城市管理局")
    assert proposal.reason == f"部件{STREET_LAMP}的主管部门：示范市城市管理局"
    assert proposal.rule_id is None


def test_a_component_missing_from_the_inventory_routes_by_its_category(
    cast: dict[str, User],
) -> None:
    case = report(cast, category("路灯", Kind.PART), component_code=STREET_LAMP)

    assert propose_department(case).department == unit("明湖区城市管理局")


# --- the category's department type, then the place ----------------------------------------


def test_the_districts_unit_of_the_categorys_type_comes_before_the_citys(
    cast: dict[str, User],
) -> None:
    case = report(cast, category("暴露垃圾"))

    proposal = propose_department(case)

    assert proposal.department == unit("明湖区环境卫生管理所")
    assert (
        proposal.reason == "类别“暴露垃圾”由环境卫生部门负责，明湖区环境卫生管理所的辖区包含事发地"
    )
    assert proposal.rule_id is None


def test_a_type_only_the_city_has_goes_to_the_city_unit(cast: dict[str, User]) -> None:
    case = report(cast, category("雨水井盖", Kind.PART), grid="990104002001001")

    proposal = propose_department(case)

    assert proposal.department == unit("示范市水务集团")
    assert proposal.reason == "类别“雨水井盖”由水务部门负责，示范市水务集团的辖区包含事发地"


def test_a_matter_the_catalogue_gives_to_the_street_goes_to_its_office(
    cast: dict[str, User],
) -> None:
    case = report(cast, category("临街阳台、屋顶脏乱差"), grid="990103001001001")

    proposal = propose_department(case)

    assert proposal.department == unit("青山区青山街道办事处")
    assert proposal.reason.startswith("类别“临街阳台、屋顶脏乱差”由属地街道(乡镇)部门负责")


def test_without_a_responsible_unit_the_street_office_answers(cast: dict[str, User]) -> None:
    # 流浪乞讨 belongs to 民政 (civil affairs), which the demo city has no unit for.
    case = report(cast, category("流浪乞讨"))

    proposal = propose_department(case)

    assert proposal.department == unit("明湖区湖滨街道办事处")
    assert proposal.reason == "属地兜底：事发地所在街道"
    assert proposal.rule_id is None


# --- what the dispatcher sees and what dispatch records ------------------------------------


def filed(cast: dict[str, User], of: Category) -> Case:
    case = report(cast, of)
    actions.accept_case(
        case_id=case.pk, version=1, actor=cast["receptionist"], at=AT + dt.timedelta(minutes=5)
    )
    actions.file_case(
        case_id=case.pk,
        version=2,
        actor=cast["shiftleader"],
        category=of,
        filing_rule=of.filing_rules.order_by("order").first(),  # type: ignore[arg-type]
        at=AT + dt.timedelta(minutes=10),
    )
    return Case.objects.get(pk=case.pk)


def test_dispatch_records_the_proposal_its_reason_and_that_it_was_followed(
    cast: dict[str, User],
) -> None:
    case = filed(cast, category("暴露垃圾"))

    event = actions.dispatch_case(
        case_id=case.pk,
        version=case.version,
        actor=cast["dispatcher"],
        department=unit("明湖区环境卫生管理所"),
        at=AT + dt.timedelta(minutes=20),
    )

    assert event.data["department"] == unit("明湖区环境卫生管理所").pk
    assert event.data["proposed"] == unit("明湖区环境卫生管理所").pk
    assert event.data["proposal_reason"] == (
        "类别“暴露垃圾”由环境卫生部门负责，明湖区环境卫生管理所的辖区包含事发地"
    )
    assert event.data["overridden"] is False


def test_dispatch_records_an_override_with_the_dispatchers_note(cast: dict[str, User]) -> None:
    case = filed(cast, category("暴露垃圾"))

    event = actions.dispatch_case(
        case_id=case.pk,
        version=case.version,
        actor=cast["dispatcher"],
        department=unit("明湖区湖滨街道办事处"),
        note="该路段由街道保洁",
        at=AT + dt.timedelta(minutes=20),
    )

    stored = CaseEvent.objects.get(pk=event.pk)
    assert stored.data["department"] == unit("明湖区湖滨街道办事处").pk
    assert stored.data["proposed"] == unit("明湖区环境卫生管理所").pk
    assert stored.data["overridden"] is True
    assert stored.note == "该路段由街道保洁"
    assert Case.objects.get(pk=case.pk).department == unit("明湖区湖滨街道办事处")
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser(username="routing-admin", password="x"))
    return client


def test_the_rule_admin_lists_rules_in_chinese(admin_client: Client) -> None:
    rule(category("暴露垃圾"), "990102001", "明湖区湖滨街道办事处", "湖滨街道暴露垃圾")
    rule(None, None, "示范市城市管理局", "全市兜底")

    response = admin_client.get("/admin/dispatch/routingrule/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "2 派遣规则" in content
    assert "06010 暴露垃圾" in content
    assert "990102001 湖滨街道" in content
    assert '">所有类别</a></th>' in content
    assert '<td class="field-area_label">全市</td>' in content


def test_the_rule_form_offers_autocomplete_for_category_area_and_department(
    admin_client: Client,
) -> None:
    response = admin_client.get("/admin/dispatch/routingrule/add/")

    content = response.content.decode()
    assert response.status_code == 200
    for field in ("category", "area", "department"):
        assert f'data-field-name="{field}"' in content
    assert content.count('class="admin-autocomplete') == 3
    assert "留空表示所有类别" in content


def test_a_rule_added_in_the_admin_routes_the_next_case(
    admin_client: Client, cast: dict[str, User]
) -> None:
    response = admin_client.post(
        "/admin/dispatch/routingrule/add/",
        {
            "category": category("占道经营").pk,
            "area": area("990102").pk,
            "department": unit("明湖区湖滨街道办事处").pk,
            "note": "明湖区占道经营由街道先行处置",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    proposal = propose_department(report(cast, category("占道经营")))
    assert proposal.department == unit("明湖区湖滨街道办事处")
    assert proposal.reason == "派遣规则：明湖区占道经营由街道先行处置"
