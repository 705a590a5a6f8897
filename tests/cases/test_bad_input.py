"""Bad input is refused with its own error and message, and changes nothing.

A refused action leaves the case row, its events and its attachments as they were; a refused
report creates no case, no event, no contact, no attachment and uses no case number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from PIL import Image

from finegrid.cases import actions
from finegrid.cases.errors import (
    CaseChanged,
    InvalidInput,
    NoteRequired,
    WorkflowError,
    describe,
)
from finegrid.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CitizenContact,
    DailyCounter,
    Source,
)
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import Action, ActionNotPermitted, InvalidTransition, Status
from finegrid.catalogue.actions import import_categories_csv
from finegrid.catalogue.exports import export_categories_csv
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.crs import CRS, from_wgs84
from finegrid.org.models import Unit, User
from tests.cases.builders import (
    DEFAULT_GRID,
    START,
    case_in,
    exposed_rubbish,
    grid_point,
    perform,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
    snapshot,
)
from tests.cases.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def png_noise(size: int) -> bytes:
    """A valid PNG of random pixels (incompressible), at least `size` bytes long."""
    side = int((size / 3) ** 0.5) + 16
    pixels = random.Random(7).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > size
    return buffer.getvalue()


def bmp_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="BMP")
    return buffer.getvalue()


def deactivate(category: Category, tmp_path: Path) -> None:
    """Switch a category off the way a city does: its rows exported, edited, imported back."""
    export_categories_csv(path=tmp_path / "all.csv")
    with (tmp_path / "all.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["小类代码"] == category.code]
    rows = [r | {"启用": "否"} for r in rows if r["类型"] == "管理事项"]
    with (tmp_path / "off.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import_categories_csv(path=tmp_path / "off.csv")
    category.refresh_from_db()
    assert not category.is_active


# --- refused actions on a case -------------------------------------------------------------------


def refused(case: Case, error: type[WorkflowError], call: Any) -> WorkflowError:
    """Run `call`, expecting exactly `error`; prove the case and its record did not change."""
    before = snapshot(case)
    with pytest.raises(WorkflowError) as caught:
        call()
    assert type(caught.value) is error
    assert snapshot(case) == before
    return caught.value


ACTION_CASES = [
    # status, action, who, arguments, error, message
    pytest.param(
        Status.REPORTED, Action.DISPATCH, "dispatcher", {}, InvalidTransition,
        "案卷当前状态为“待受理”，不能执行“派遣”", id="not-in-this-status",
    ),
    pytest.param(
        Status.CLOSED, Action.CLOSE, "shiftleader", {}, InvalidTransition,
        "案卷当前状态为“已结案”，不能执行“结案”", id="closing-twice",
    ),
    pytest.param(
        Status.FILED, Action.DISPATCH, "receptionist", {}, ActionNotPermitted,
        "您的岗位不能对此案卷执行“派遣”", id="not-for-this-role",
    ),
    pytest.param(
        Status.CHECKING, Action.PASS_CHECK, "shiftleader", {}, ActionNotPermitted,
        "您的岗位不能对此案卷执行“核查通过”", id="leader-certifying-a-check",
    ),
    pytest.param(
        Status.DISPATCHED, Action.REQUEST_RETURN, "handler", {"note": ""}, NoteRequired,
        "此操作必须填写意见或理由", id="return-without-reason",
    ),
    pytest.param(
        Status.REPORTED, Action.DECLINE, "receptionist", {"note": "  \n "}, NoteRequired,
        "此操作必须填写意见或理由", id="decline-with-blank-reason",
    ),
    pytest.param(
        Status.FILED, Action.CANCEL, "shiftleader", {"note": ""}, NoteRequired,
        "此操作必须填写意见或理由", id="cancel-without-reason",
    ),
    pytest.param(
        Status.CHECKING, Action.REWORK, "inspector", {"note": ""}, NoteRequired,
        "此操作必须填写意见或理由", id="rework-without-reason",
    ),
    pytest.param(
        Status.VERIFYING, Action.VERIFY, "inspector", {"confirmed": False}, NoteRequired,
        "此操作必须填写意见或理由", id="unconfirmed-without-reason",
    ),
    pytest.param(
        Status.DISPOSING, Action.REQUEST_EXTENSION, "handler", {"amount": 0}, InvalidInput,
        "延期时长必须大于0", id="extension-of-nothing",
    ),
    pytest.param(
        Status.DISPOSING, Action.REQUEST_SUSPENSION, "handler",
        {"resume_on": START.date()}, InvalidInput, "恢复日期必须晚于今天", id="resume-today",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("status", "action", "who", "arguments", "error", "message"), ACTION_CASES)
def test_a_refused_action_names_why_and_changes_nothing(
    cast: dict[str, User],
    status: Status,
    action: Action,
    who: str,
    arguments: dict[str, Any],
    error: type[WorkflowError],
    message: str,
) -> None:
    # given a case in the status
    case = case_in(status, cast=cast)

    # when the user takes the action with these arguments
    caught = refused(case, error, lambda: perform(action, case=case, actor=cast[who], **arguments))

    # then the error says exactly why
    assert describe(caught) == message


def test_a_stale_version_is_a_conflict(cast: dict[str, User]) -> None:
    # given a case the dispatcher read at version v, then supervised by the leader (v + 1)
    case = case_in(Status.FILED, cast=cast)
    seen = case.version
    perform(Action.SUPERVISE, case=case, actor=cast["leader"])

    # when the dispatcher dispatches what they saw
    caught = refused(
        case,
        CaseChanged,
        lambda: perform(Action.DISPATCH, case=case, actor=cast["dispatcher"], version=seen),
    )

    # then it is a conflict, and nothing changed
    assert describe(caught) == "案卷已被他人处理或修改，请刷新后重试"


def test_a_stale_version_is_a_conflict_even_when_the_status_moved_on(
    cast: dict[str, User],
) -> None:
    # given a report a receptionist saw at version v, which a colleague has since accepted
    case = case_in(Status.REPORTED, cast=cast)
    seen = case.version
    perform(Action.ACCEPT, case=case, actor=cast["receptionist"])

    # when the first receptionist declines what they saw
    caught = refused(
        case,
        CaseChanged,
        lambda: perform(Action.DECLINE, case=case, actor=cast["receptionist"], version=seen),
    )

    # then it is the conflict that is reported, not the new status
    assert describe(caught) == "案卷已被他人处理或修改，请刷新后重试"


def test_filing_under_an_inactive_category_is_refused(
    cast: dict[str, User], tmp_path: Path
) -> None:
    category, rule = exposed_rubbish()
    case = case_in(Status.PENDING_FILING, cast=cast)
    deactivate(category, tmp_path)

    caught = refused(
        case,
        InvalidInput,
        lambda: perform(
            Action.FILE,
            case=case,
            actor=cast["shiftleader"],
            category=category,
            filing_rule=rule,
        ),
    )

    assert isinstance(caught, InvalidInput)
    assert (caught.field, describe(caught)) == ("category", "类别“暴露垃圾”已停用")


def test_filing_with_a_rule_of_another_category_is_refused(cast: dict[str, User]) -> None:
    category, _rule = exposed_rubbish()
    other = Category.objects.filter(kind=Kind.MATTER).exclude(pk=category.pk).first()
    assert other is not None
    rule = other.filing_rules.order_by("order").first()
    case = case_in(Status.PENDING_FILING, cast=cast)

    caught = refused(
        case,
        InvalidInput,
        lambda: perform(
            Action.FILE,
            case=case,
            actor=cast["shiftleader"],
            category=category,
            filing_rule=rule,
        ),
    )

    assert isinstance(caught, InvalidInput)
    assert (caught.field, describe(caught)) == ("filing_rule", "立案条件不属于类别“暴露垃圾”")


def test_dispatching_to_a_unit_that_does_not_handle_cases_is_refused(
    cast: dict[str, User],
) -> None:
    case = case_in(Status.FILED, cast=cast)
    centre = Unit.objects.get(name="示范市城市运行管理监督中心")

    caught = refused(
        case,
        InvalidInput,
        lambda: perform(Action.DISPATCH, case=case, actor=cast["dispatcher"], department=centre),
    )

    assert isinstance(caught, InvalidInput)
    assert (caught.field, describe(caught)) == (
        "department",
        "“示范市城市运行管理监督中心”不能接收派遣",
    )


def test_reopening_after_the_window_is_refused(cast: dict[str, User]) -> None:
    # given a case closed on Monday 16 November (the window is 5 working days)
    case = case_in(Status.CLOSED, cast=cast)
    closed_at = case.closed_at
    assert closed_at is not None
    in_time = dt.datetime(2026, 11, 23, 9, 0, tzinfo=START.tzinfo)
    too_late = dt.datetime(2026, 11, 24, 9, 0, tzinfo=START.tzinfo)

    # when the receptionist reopens it eight days later
    caught = refused(
        case,
        InvalidInput,
        lambda: perform(Action.REOPEN, case=case, actor=cast["receptionist"], at=too_late),
    )

    # then the window is named; a week after closing it was still open
    assert isinstance(caught, InvalidInput)
    assert (caught.field, describe(caught)) == ("reopen", "结案已超过5 工作日，不能重新开启")
    perform(Action.REOPEN, case=case, actor=cast["receptionist"], at=in_time)
    case.refresh_from_db()
    assert case.status == Status.DISPOSING


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "scene.jpg",
            random.Random(1).randbytes(2048),
            "“scene.jpg”不是有效的图片文件",
            id="random-bytes",
        ),
        pytest.param(
            "scene.jpg",
            "这不是照片，只是改了扩展名的文字".encode(),
            "“scene.jpg”不是有效的图片文件",
            id="text-renamed-jpg",
        ),
        pytest.param("scene.bmp", bmp_bytes(), "“scene.bmp”的图片格式BMP不受支持", id="bmp"),
        pytest.param("big.png", png_noise(MB), "照片“big.png”超过1 MB的上限", id="over-1-mb"),
    ],
)
def test_a_bad_photo_with_a_disposal_is_refused(
    cast: dict[str, User], name: str, content: bytes, message: str
) -> None:
    # given a case being disposed, and a limit of 1 MB a photo
    case = case_in(Status.DISPOSING, cast=cast)

    # when the handler reports back with the photo
    with override_settings(FINEGRID_MAX_PHOTO_BYTES=MB):
        caught = refused(
            case,
            InvalidInput,
            lambda: perform(
                Action.DISPOSE,
                case=case,
                actor=cast["handler"],
                photos=[Photo("good.jpg", jpeg_bytes()), Photo(name, content)],
            ),
        )

    # then the photo is named, and not even the good one was stored
    assert isinstance(caught, InvalidInput)
    assert (caught.field, describe(caught)) == ("photos", message)


def test_a_photo_just_under_the_limit_is_taken(cast: dict[str, User]) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    photo = jpeg_bytes()

    with override_settings(FINEGRID_MAX_PHOTO_BYTES=len(photo)):
        perform(
            Action.DISPOSE,
            case=case,
            actor=cast["handler"],
            photos=[Photo("after.jpg", photo)],
        )

    stored = CaseAttachment.objects.get(case=case)
    assert (stored.kind, stored.content_type, stored.size) == ("after", "image/jpeg", len(photo))


# --- refused reports -----------------------------------------------------------------------------


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Case, CaseEvent, CitizenContact, CaseAttachment)
    } | {"serial": sum(DailyCounter.objects.values_list("value", flat=True))}


def report(cast: dict[str, User], **overrides: Any) -> Case:
    lon, lat = grid_point()
    arguments: dict[str, Any] = {
        "actor": cast["receptionist"],
        "source": Source.CITIZEN,
        "lon": lon,
        "lat": lat,
        "description": "路灯不亮",
        "citizen": actions.CitizenInput(name="王小明", phone="13912345678"),
        "photos": [Photo("before.jpg", jpeg_bytes())],
        "at": START,
    }
    return actions.report_case(**(arguments | overrides))


REPORT_CASES = [
    pytest.param(
        {"lon": 116.4, "lat": 39.9}, "location", "坐标(116.40000, 39.90000)不在本市范围内",
        id="outside-the-city",
    ),
    pytest.param(
        {"lon": 116.4, "lat": 95.0}, "location", "纬度应在-90到90之间：95.0", id="no-such-latitude",
    ),
    pytest.param(
        {"component_code": "99010299999000001"}, "component_code",
        "部件标识码第7-11位的小类代码99999不在部件目录中", id="unknown-component-category",
    ),
    pytest.param(
        {"component_code": "99019901001000001"}, "component_code",
        "部件标识码前6位行政区划代码990199不是已知的区(县)代码", id="unknown-component-district",
    ),
    pytest.param(
        {"component_code": "9901020100100000X"}, "component_code", "部件标识码应为17位数字",
        id="malformed-component-code",
    ),
    pytest.param({"description": "  "}, "description", "请填写问题描述", id="no-description"),
    pytest.param(
        {"photos": [Photo("before.jpg", b"GIF89a not really")]}, "photos",
        "“before.jpg”不是有效的图片文件", id="fake-photo",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "field", "message"), REPORT_CASES)
def test_a_refused_report_names_the_field_and_creates_nothing(
    cast: dict[str, User], overrides: dict[str, Any], field: str, message: str
) -> None:
    before = counts()

    with pytest.raises(InvalidInput) as caught:
        report(cast, **overrides)

    assert (caught.value.field, describe(caught.value)) == (field, message)
    assert counts() == before


def test_a_report_under_an_inactive_category_is_refused(
    cast: dict[str, User], tmp_path: Path
) -> None:
    category, _rule = exposed_rubbish()
    deactivate(category, tmp_path)
    before = counts()

    with pytest.raises(InvalidInput) as caught:
        report(cast, category=category)

    assert (caught.value.field, describe(caught.value)) == ("category", "类别“暴露垃圾”已停用")
    assert counts() == before


def test_a_report_in_gcj02_is_stored_in_wgs84(cast: dict[str, User]) -> None:
    # given a point of the demo grid as AMap or WeChat would give it (GCJ-02, offset by ~500 m)
    lon, lat = grid_point()
    gcj_lon, gcj_lat = from_wgs84(lon, lat, CRS.GCJ02)
    assert abs(gcj_lon - lon) + abs(gcj_lat - lat) > 0.003

    # when it is reported in GCJ-02
    case = report(cast, lon=gcj_lon, lat=gcj_lat, crs=CRS.GCJ02)

    # then the case holds the WGS-84 point, in the grid it lies in
    assert case.lon == pytest.approx(lon, abs=1e-6)
    assert case.lat == pytest.approx(lat, abs=1e-6)
    assert case.grid is not None
    assert case.grid.code == DEFAULT_GRID


def test_a_good_report_after_refused_ones_takes_the_first_number(cast: dict[str, User]) -> None:
    # given refused reports on the day
    for param in REPORT_CASES:
        overrides = param.values[0]
        assert isinstance(overrides, dict)
        with pytest.raises(InvalidInput):
            report(cast, **overrides)

    # when a good one comes in
    case = report(cast)

    # then no number was used up by the refused ones
    assert case.case_no == "2026111600001"
