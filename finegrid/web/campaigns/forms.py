"""The campaign pages' forms. They only parse what was typed into values of the right type; the
rules (a percentage between 0 and 100, a reason that is not empty, a reply due after now) are the
actions' own, so a page and the API refuse the same input with the same words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from finegrid.campaigns.actions import MilestoneInput
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    InspectionTemplate,
    Method,
    NodeLevel,
    Plan,
    PlanCategory,
    ReportCycle,
    RoundKind,
    SiteType,
    TargetOperator,
    Task,
    TaskStatus,
)
from finegrid.geo.models import Area, AreaLevel
from finegrid.org.models import Unit, User

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ProgressForm(forms.Form):
    progress = forms.IntegerField(
        label=_("完成进度(%)"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        error_messages={
            "required": _("请填写完成进度"),
            "invalid": _("完成进度应为0到100之间的整数"),
        },
    )
    value = forms.DecimalField(
        label=_("当前值"),
        required=False,
        max_digits=14,
        decimal_places=4,
        error_messages={"invalid": _("当前值应为数字")},
    )
    text = forms.CharField(
        label=_("进展情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptanceForm(forms.Form):
    evidence = forms.CharField(
        label=_("完成情况及佐证"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyForm(forms.Form):
    notice = forms.IntegerField(widget=forms.HiddenInput)
    reply = forms.CharField(
        label=_("回复内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoticeForm(forms.Form):
    reason = forms.CharField(
        label=_("督办事项"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_due = forms.DateTimeField(
        label=_("回复时限"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        error_messages={
            "required": _("请填写回复时限"),
            "invalid": _("回复时限应为“年-月-日 时:分”"),
        },
    )


class DecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("验收结论"),
        choices=[("accept", _("验收通过并销号")), ("reject", _("验收不通过"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择验收结论")},
    )
    reasons = forms.CharField(
        label=_("验收意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不通过时须写明理由"),
    )


class PledgeForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择签订单位"), "invalid_choice": _("单位不存在")},
    )
    signatory = forms.CharField(label=_("签订人"), required=False, max_length=60)
    signed_on = forms.DateField(
        label=_("签订日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写签订日期"), "invalid": _("签订日期应为“年-月-日”")},
    )
    scan = forms.FileField(label=_("责任书扫描件"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(is_active=True).order_by("name")


class ImportForm(forms.Form):
    workbook = forms.FileField(
        label=_("计划表格（.xlsx）"), error_messages={"required": _("请选择要导入的Excel文件")}
    )


def first_error(form: forms.Form) -> str:
    """The form's first error, named by its field's label: what the page shows above the form."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return ""


# --- the management forms: rounds, sites, checklists, index trees, reviews, plans and tasks ----

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("日期应为“年-月-日”")}

#: "2026-06-30 完成方案 30%": a date, the milestone's title, the progress due by then.
MILESTONE_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s+(.+?)\s+(\d{1,3})\s*[%％]?$")


class ManagementForm(forms.Form):
    """A form whose required values are checked by its action, in the action's words: the page
    still marks them required (`action_required`)."""

    action_required: ClassVar[tuple[str, ...]] = ()


def sample_field_name(tag: int) -> str:
    return f"sample_{tag}"


class ContentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        node: IndexNode = obj
        method = node.get_method_display()
        return f"{node.code} {node.title}（{method}，{node.points.normalize():f}分）"


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return f"{user}（{user.unit}）" if user.unit else str(user)


class DrawRoundForm(ManagementForm):
    """A round to draw: the sample is one count per site type (0 skips the type)."""

    action_required = ("name",)

    name = forms.CharField(label=_("批次名称"), required=False, max_length=120)
    kind = forms.ChoiceField(
        label=_("方式"),
        choices=RoundKind.choices,
        error_messages={"required": _("请选择检查方式"), "invalid_choice": _("未知的检查方式")},
    )
    template = forms.ModelChoiceField(
        label=_("检查模板"),
        queryset=InspectionTemplate.objects.none(),
        error_messages={"required": _("请选择检查模板"), "invalid_choice": _("检查模板不存在")},
    )
    starts_on = forms.DateField(
        label=_("开始日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写开始日期"), **DATE_ERRORS},
    )
    ends_on = forms.DateField(
        label=_("结束日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写结束日期"), **DATE_ERRORS},
    )
    assessment = forms.ModelChoiceField(
        label=_("计入测评体系"),
        queryset=IndexTree.objects.none(),
        required=False,
        empty_label=_("不计入测评"),
        error_messages={"invalid_choice": _("测评体系不存在")},
    )
    rectify_days = forms.IntegerField(
        label=_("整改时限(天)"),
        initial=15,
        widget=forms.NumberInput(attrs={"min": 1, "max": 365}),
        error_messages={"required": _("请填写整改时限"), "invalid": _("整改时限应为整数天数")},
    )
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        help_text=_("留空时随机生成；填写相同的种子可复现同一次抽取"),
        error_messages={"invalid": _("随机种子应为整数")},
    )

    def __init__(self, *args: Any, site_types: list[SiteType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        assert isinstance(template, forms.ModelChoiceField)
        template.queryset = InspectionTemplate.objects.order_by("name")
        tree = self.fields["assessment"]
        assert isinstance(tree, forms.ModelChoiceField)
        tree.queryset = IndexTree.objects.order_by("-year", "name")
        self.site_types = site_types
        for site_type in site_types:
            self.fields[sample_field_name(site_type.tag)] = forms.IntegerField(
                label=site_type.name,
                required=False,
                min_value=0,
                initial=0,
                widget=forms.NumberInput(attrs={"min": 0, "step": 1, "class": "cg-sample"}),
                error_messages={
                    "invalid": _("抽取数量应为整数"),
                    "min_value": _("抽取数量不能为负数"),
                },
            )

    def sample(self) -> dict[int, int]:
        """{tag: count} of the types given a positive count."""
        counts = {
            t.tag: self.cleaned_data.get(sample_field_name(t.tag)) or 0 for t in self.site_types
        }
        return {tag: count for tag, count in counts.items() if count > 0}


class SiteImportForm(ManagementForm):
    sheet = forms.FileField(
        label=_("点位表格（.csv 或 .xlsx）"),
        error_messages={"required": _("请选择要导入的CSV或Excel文件")},
    )


class LoadTemplateForm(ManagementForm):
    tree = forms.ModelChoiceField(
        label=_("对应测评体系"),
        queryset=IndexTree.objects.none(),
        required=False,
        empty_label=_("不对应测评体系"),
        help_text=_("选择后，检查项目按编号对应该测评体系的实地考察内容"),
        error_messages={"invalid_choice": _("测评体系不存在")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tree"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = IndexTree.objects.order_by("-year", "name")


class IndexImportForm(ManagementForm):
    action_required = ("name",)
    name = forms.CharField(label=_("测评体系名称"), required=False, max_length=200)
    year = forms.IntegerField(
        label=_("年度"),
        error_messages={"required": _("请填写年度"), "invalid": _("年度应为整数")},
    )
    sheet = forms.FileField(
        label=_("指标表格（.csv 或 .xlsx）"),
        error_messages={"required": _("请选择要导入的CSV或Excel文件")},
    )


class ReviewForm(ManagementForm):
    """A material review or survey result for one content of a tree."""

    content = ContentChoiceField(
        label=_("测评内容"),
        queryset=IndexNode.objects.none(),
        error_messages={"required": _("请选择测评内容"), "invalid_choice": _("测评内容不存在")},
    )
    district = forms.ModelChoiceField(
        label=_("区（县）"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("全市"),
        error_messages={"invalid_choice": _("区不存在")},
    )
    unit = forms.ModelChoiceField(
        label=_("报送单位"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("不填"),
        error_messages={"invalid_choice": _("单位不存在")},
    )
    score = forms.DecimalField(
        label=_("得分"),
        max_digits=9,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
        error_messages={"required": _("请填写得分"), "invalid": _("得分应为数字")},
    )
    text = forms.CharField(
        label=_("审核说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, tree: IndexTree, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        content = self.fields["content"]
        assert isinstance(content, forms.ModelChoiceField)
        content.queryset = IndexNode.objects.filter(
            tree=tree, level=NodeLevel.CONTENT, method__in=[Method.MATERIAL, Method.SURVEY]
        ).order_by("order")
        district = self.fields["district"]
        assert isinstance(district, forms.ModelChoiceField)
        district.queryset = Area.objects.current().filter(level=AreaLevel.DISTRICT).order_by("code")
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = Unit.objects.filter(is_active=True).order_by("name")


class PlanForm(ManagementForm):
    action_required = ("title", "issuer")

    title = forms.CharField(label=_("计划标题"), required=False, max_length=200)
    document_no = forms.CharField(label=_("文号"), required=False, max_length=60)
    issuer = forms.CharField(label=_("印发机关"), required=False, max_length=100)
    issuer_unit = forms.ModelChoiceField(
        label=_("牵头单位"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("不填"),
        error_messages={"invalid_choice": _("单位不存在")},
    )
    starts_on = forms.DateField(
        label=_("开始日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写开始日期"), **DATE_ERRORS},
    )
    ends_on = forms.DateField(
        label=_("结束日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写结束日期"), **DATE_ERRORS},
    )
    report_cycle = forms.ChoiceField(
        label=_("进度报送周期"),
        choices=ReportCycle.choices,
        initial=ReportCycle.MONTHLY,
        error_messages={"invalid_choice": _("未知的进度报送周期")},
    )
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["issuer_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(is_active=True).order_by("name")


class CategoryForm(ManagementForm):
    action_required = ("name",)

    name = forms.CharField(label=_("类别名称"), required=False, max_length=100)


class TaskForm(ManagementForm):
    """A task or sub-task of a plan. Owner, deadline and title are checked by `check_task`, so
    every problem of the task is told at once in the action's words."""

    action_required = ("title", "lead_unit", "responsible", "deadline")
    field_order = (
        "title",
        "parent",
        "category",
        "lead_unit",
        "responsible",
        "area",
        "starts_on",
        "deadline",
        "target_text",
        "target_operator",
        "target_value",
        "target_unit",
        "co_units",
        "description",
        "milestones",
    )

    parent = forms.ModelChoiceField(
        label=_("上级任务"),
        queryset=Task.objects.none(),
        required=False,
        empty_label=_("无（一级任务）"),
        error_messages={"invalid_choice": _("上级任务不存在")},
    )
    category = forms.ModelChoiceField(
        label=_("任务类别"),
        queryset=PlanCategory.objects.none(),
        required=False,
        empty_label=_("无（子任务随上级任务）"),
        error_messages={"invalid_choice": _("类别不存在")},
    )
    title = forms.CharField(label=_("任务名称"), required=False, max_length=300)
    description = forms.CharField(
        label=_("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("请选择"),
        error_messages={"invalid_choice": _("单位不存在")},
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("按住Ctrl或⌘可多选"),
        error_messages={"invalid_choice": _("单位不存在"), "invalid_pk_value": _("单位不存在")},
    )
    responsible = PersonChoiceField(
        label=_("责任人"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("请选择"),
        error_messages={"invalid_choice": _("责任人不存在")},
    )
    area = forms.ModelChoiceField(
        label=_("责任区域"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("不限"),
        error_messages={"invalid_choice": _("区域不存在")},
    )
    target_text = forms.CharField(label=_("目标"), required=False, max_length=300)
    target_operator = forms.ChoiceField(
        label=_("目标比较"),
        choices=[("", "—"), *TargetOperator.choices],
        required=False,
        error_messages={"invalid_choice": _("目标比较应为“≥”或“≤”")},
    )
    target_value = forms.DecimalField(
        label=_("目标值"),
        required=False,
        max_digits=14,
        decimal_places=4,
        error_messages={"invalid": _("目标值应为数字")},
    )
    target_unit = forms.CharField(label=_("目标单位"), required=False, max_length=20)
    starts_on = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("留空为计划的开始日期"),
        error_messages=DATE_ERRORS,
    )
    deadline = forms.DateField(
        label=_("完成时限"), required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    milestones = forms.CharField(
        label=_("节点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-06-30 完成方案 30%"}),
        help_text=_("每行一个：日期 节点名称 应达进度%，如“2026-06-30 完成方案 30%”"),
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        querysets: dict[str, QuerySet[Any]] = {
            "parent": plan.tasks.exclude(status=TaskStatus.TICKED_OFF).order_by("number"),
            "category": plan.categories.order_by("number"),
            "lead_unit": Unit.objects.filter(is_active=True).order_by("name"),
            "co_units": Unit.objects.filter(is_active=True).order_by("name"),
            "responsible": User.objects.filter(is_active=True)
            .select_related("unit")
            .order_by("unit__name", "username"),
            "area": Area.objects.current()
            .exclude(level=AreaLevel.CITY)
            .order_by("code"),
        }  # fmt: skip
        for name, queryset in querysets.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset

    def clean_milestones(self) -> list[MilestoneInput]:
        text: str = self.cleaned_data.get("milestones", "")
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = MILESTONE_LINE.match(line)
            day = None
            if match:
                try:
                    day = dt.date.fromisoformat(
                        "-".join(part.zfill(2) for part in match.group(1).split("-"))
                    )
                except ValueError:
                    day = None
            if match is None or day is None:
                raise forms.ValidationError(
                    _(
                        "第%(n)d行“%(line)s”应为“日期 节点名称 应达进度%%”，如“2026-06-30 完成方案 30%%”"
                    )
                    % {"n": number, "line": line}
                )
            found.append(MilestoneInput(match.group(2), day, int(match.group(3))))
        return found
