"""Build the catalogue fixtures from the published standard tables; run by hand, never at import.

Usage, from the repository root::

    .venv/bin/python -m finegrid.catalogue.data.build_fixture [--standards DIR] [--out DIR]

It reads the GB/T 47678.5-2026 catalogue and the two GB/T 30428.2-2013 style catalogues (by default
from ``<repo>/../shared/standards``) and writes ``gbt47678_5_2026.json`` and ``gbt30428_2_2013.json``
into ``--out`` (by default this directory). The standard names categories only: the responsible
department type, the action tags, the filing rules and their time limits are derived here from
rules per major class and per keyword of the name, as defaults a city edits afterwards. Every
derivation is written into the fixture (``derivation``) so a reviewer can see why a row got its
values. Re-running it on the same inputs gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from finegrid.catalogue.legacy import match_name

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parents[2]
DEFAULT_STANDARDS: Final = REPO.parent / "shared" / "standards"

CATALOGUE_CSV: Final = "gbt47678-5-2026-catalogue.csv"
LEGACY_SOURCES: Final = (
    # (source label, file, how its rows are read)
    ("北京朝阳 2013", "legacy-beijing-chaoyang-2013-categories.csv", "chaoyang"),
    ("2013 版事件分类", "legacy-event-catalogue-2013-style.csv", "event_style"),
)
CATALOGUE_JSON: Final = "gbt47678_5_2026.json"
LEGACY_JSON: Final = "gbt30428_2_2013.json"

KIND_BY_LABEL: Final[Mapping[str, str]] = {
    "管理部件": "part",
    "部件": "part",
    "管理事项": "matter",
    "事项": "matter",
    "事件": "matter",
}

# Time-limit units, as in finegrid.worktime (kept as strings: this script needs no Django).
UH: Final = "urgent_hours"
WH: Final = "working_hours"
WD: Final = "working_days"
CD: Final = "calendar_days"


@dataclass(frozen=True)
class Limit:
    amount: str
    unit: str

    def as_json(self) -> dict[str, str]:
        return {"amount": self.amount, "unit": self.unit}


def uh(amount: str) -> Limit:
    return Limit(amount, UH)


def wh(amount: str) -> Limit:
    return Limit(amount, WH)


def wd(amount: str) -> Limit:
    return Limit(amount, WD)


def cd(amount: str) -> Limit:
    return Limit(amount, CD)


@dataclass(frozen=True)
class Rule:
    """A filing rule template; ``{n}`` stands for the subject (the component or matter name)."""

    condition: str
    closing: str
    default: Limit  # the ordinary (C 一般) limit, used when no urgency row applies
    urgent: Limit | None = None  # A 紧急
    major: Limit | None = None  # B 重大

    def render(self, *, order: int, subject: str) -> dict[str, Any]:
        urgency_limits = {}
        if self.urgent is not None:
            urgency_limits["A"] = self.urgent.as_json()
        if self.major is not None:
            urgency_limits["B"] = self.major.as_json()
        return {
            "order": order,
            "condition": self.condition.format(n=subject),
            "limit": self.default.as_json(),
            "urgency_limits": urgency_limits,
            "closing_criterion": self.closing.format(n=subject),
        }


@dataclass(frozen=True)
class Profile:
    """The filing rules shared by every category whose name contains one of the keywords."""

    key: str
    keywords: tuple[str, ...]
    rules: tuple[Rule, ...]


def profile(key: str, keywords: Iterable[str], *rules: Rule) -> Profile:
    return Profile(key=key, keywords=tuple(keywords), rules=rules)


# --- Filing rules of components (管理部件) and of their mirror matters (管理事项 01-05 "…异常") ---
# First profile whose keyword occurs in the name wins, so the specific ones come first
# (化粪池井盖 is a cover, not a cesspit; 路灯配电箱 is a box, not a lamp).
PART_PROFILES: Final[tuple[Profile, ...]] = (
    profile(
        "grate",
        ["箅子"],
        Rule(
            "{n}丢失，存在安全隐患",
            "已补装{n}，安放平稳，与路面衔接平顺",
            wh("4"),
            urgent=uh("2"),
        ),
        Rule(
            "{n}破损、松动或移位",
            "{n}已修复或更换，安放平稳，无松动",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
        Rule(
            "{n}被垃圾、杂物堵塞，排水不畅或路面积水",
            "{n}已清掏疏通，排水通畅，路面无积水",
            wh("4"),
            urgent=uh("2"),
        ),
    ),
    profile(
        "cover",
        ["井盖", "沟槽盖板"],
        Rule(
            "{n}丢失，井口敞开，存在安全隐患",
            "已补装{n}，井口封闭，与路面衔接平顺",
            wh("4"),
            urgent=uh("2"),
        ),
        Rule(
            "{n}破损、松动、移位或与路面高差明显",
            "{n}已修复或更换，安放平稳，无松动、无异响",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
    ),
    profile(
        "sign",
        ["指示牌", "标识牌", "标示牌", "标志", "路名牌", "地名牌", "门（楼号）牌", "公示牌"],
        Rule("{n}缺失", "已补设{n}，内容准确，安装牢固", wd("5")),
        Rule(
            "{n}破损、倾斜、污损或字迹不清",
            "{n}已修复或更换，整洁清晰，安装牢固",
            wd("5"),
            urgent=uh("2"),
            major=wd("1"),
        ),
    ),
    profile(
        "box",
        ["配电箱", "交接箱", "变压器", "调压站", "电力设施"],
        Rule(
            "{n}箱门缺失、破损或锁闭失效，带电（带压）部件外露",
            "箱门已补装或修复并锁闭，内部部件不外露",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
        Rule(
            "{n}倾斜、锈蚀、污损或有乱贴乱画",
            "{n}已扶正、修复，外观整洁",
            wd("5"),
        ),
    ),
    profile(
        "signal",
        ["交通信号灯", "交通信号设施"],
        Rule(
            "{n}不亮、灯色错误或控制故障",
            "{n}恢复正常运行",
            wh("4"),
            urgent=uh("2"),
        ),
        Rule(
            "{n}灯杆、灯具破损、倾斜或被遮挡",
            "灯杆、灯具已修复、扶正，遮挡已清除",
            wd("2"),
            urgent=uh("2"),
        ),
    ),
    profile(
        "lamp",
        ["路灯", "地灯", "景观灯"],
        Rule(
            "{n}不亮、亮灯不全或白天亮灯",
            "{n}恢复正常亮灯，开关灯时间符合要求",
            wd("2"),
        ),
        Rule(
            "{n}灯杆、灯具、灯罩破损、倾斜或缺失",
            "灯杆、灯具已修复、扶正或补装，安装牢固",
            wd("2"),
            urgent=uh("2"),
            major=wd("1"),
        ),
        Rule(
            "{n}线路裸露或检修门缺失，存在漏电隐患",
            "线路已包扎归位，检修门已补装，漏电隐患消除",
            wh("4"),
            urgent=uh("2"),
        ),
    ),
    profile(
        "cesspit",
        ["化粪池"],
        Rule(
            "{n}满溢、粪水外冒",
            "已清掏疏通，粪水不再外溢，现场已冲洗干净",
            wh("4"),
            urgent=uh("2"),
        ),
        Rule(
            "{n}池体或盖板破损",
            "{n}池体、盖板已修复，无渗漏",
            wd("3"),
            urgent=uh("2"),
        ),
    ),
    profile(
        "toilet",
        ["公共厕所"],
        Rule(
            "{n}未按规定时间开放，或设施损坏无法正常使用",
            "{n}已恢复开放，设施完好可用",
            wd("1"),
            major=wh("4"),
        ),
        Rule(
            "{n}卫生脏乱、异味明显或缺少洗手用品",
            "{n}已清洁，无明显异味，用品齐全",
            wh("2"),
        ),
    ),
    profile(
        "bin",
        ["垃圾", "烟头", "宠物拾便", "环卫工具间"],
        Rule(
            "{n}满溢，或周边有散落垃圾、异味",
            "已清运，周边干净，无散落垃圾",
            wh("2"),
        ),
        Rule(
            "{n}破损、缺失、倾倒或标识不清",
            "{n}已修复、补设或扶正，标识清晰",
            wd("2"),
        ),
    ),
    profile(
        "advertising",
        ["户外广告", "牌匾", "宣传栏"],
        Rule(
            "{n}破损、松动或变形，存在坠落隐患",
            "坠落隐患已排除，{n}已加固、修复或拆除",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
        Rule(
            "{n}污损、褪色、缺字或亮灯不全",
            "{n}整洁完好，字体完整，亮灯正常",
            wd("5"),
        ),
        Rule(
            "{n}未经许可设置、超期设置或废弃未拆除",
            "已依法处理，{n}已拆除或补办手续",
            wd("10"),
        ),
    ),
    profile(
        "old_tree",
        ["古树名木"],
        Rule(
            "{n}受损、长势衰弱或有倒伏危险",
            "已采取保护、复壮或支撑措施，倒伏危险消除",
            wd("3"),
            urgent=uh("2"),
        ),
        Rule(
            "{n}保护设施、标识牌破损，或树下有堆物、硬化",
            "保护设施和标识牌已修复，树下堆物、硬化已清除",
            wd("5"),
        ),
    ),
    profile(
        "tree",
        ["行道树", "独立树"],
        Rule(
            "{n}倒伏、折断或有枯枝坠落危险",
            "倒伏、折断树木已清理或扶正，危险枝已修剪，通行恢复",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
        Rule(
            "{n}枝叶遮挡交通标志、信号灯、路灯，或妨碍行人车辆通行",
            "已修剪，遮挡和妨碍已消除",
            cd("15"),
        ),
        Rule(
            "{n}缺株、死亡或发生严重病虫害",
            "已补植或完成病虫害防治",
            cd("30"),
        ),
    ),
    profile(
        "heritage",
        ["文物"],
        Rule(
            "{n}本体受损或存在安全隐患",
            "已采取保护措施，安全隐患消除",
            wd("3"),
            urgent=uh("2"),
        ),
        Rule(
            "{n}周边有乱贴乱画、违规搭建或堆放杂物",
            "周边环境已清理整治",
            wd("3"),
        ),
    ),
    profile(
        "drainage",
        ["排放口", "排水泵站", "防蚊闸"],
        Rule(
            "{n}堵塞、破损，或有污水直排、异常排放",
            "{n}已疏通修复，排放正常",
            wd("2"),
            urgent=uh("2"),
            major=wd("1"),
        ),
    ),
    profile(
        "pipe",
        ["管道", "水井", "供水器", "水鹤", "消防设施", "水塔"],
        Rule(
            "{n}泄漏、破裂或冒水（冒气），存在安全隐患",
            "泄漏点已封堵修复，现场安全隐患消除",
            wh("4"),
            urgent=uh("1"),
        ),
        Rule(
            "{n}破损、缺失、被圈占或标识不清",
            "{n}已修复完好，周边无圈占，标识清晰",
            wd("3"),
        ),
    ),
    profile(
        "pole",
        ["立杆", "旗杆", "综合杆", "铁塔"],
        Rule(
            "{n}倾斜、破损或有倒伏危险",
            "{n}已扶正、加固或更换，倒伏危险消除",
            wd("2"),
            urgent=uh("2"),
            major=wd("1"),
        ),
        Rule(
            "{n}上有乱贴乱挂、废弃线缆，或为废弃杆未拆除",
            "乱贴乱挂和废弃线缆已清理，废弃杆已拆除",
            wd("5"),
        ),
    ),
    profile(
        "barrier",
        [
            "护栏",
            "防撞桶",
            "隔离体",
            "人行横道桩",
            "便道桩",
            "安全岛",
            "减速带",
            "隔音屏",
            "防汛墙",
        ],
        Rule("{n}缺失", "已补设{n}，安装牢固", wd("3"), urgent=uh("2")),
        Rule(
            "{n}破损、倾斜、移位或松动",
            "{n}已修复或更换，安装牢固、线形顺直",
            wd("3"),
            urgent=uh("4"),
            major=wd("1"),
        ),
    ),
    profile(
        "monitor",
        ["监测", "监控", "显示屏", "基站", "报警点"],
        Rule(
            "{n}故障、黑屏或无法正常工作",
            "{n}恢复正常工作",
            wd("3"),
            major=wd("1"),
        ),
        Rule(
            "{n}破损、倾斜或线缆外露",
            "{n}已修复、扶正，线缆已规范归置",
            wd("2"),
            urgent=uh("2"),
        ),
    ),
    profile(
        "elevator",
        ["电梯"],
        Rule("{n}发生困人", "被困人员已解救，电梯停用待检", uh("1")),
        Rule(
            "{n}故障停运或安全部件损坏",
            "{n}已修复，经检验恢复运行",
            wd("1"),
            urgent=uh("4"),
        ),
    ),
    profile(
        "structure",
        [
            "桥",
            "地下通道",
            "隧道",
            "停车场",
            "立体车库",
            "牌楼",
            "地下室",
            "加油",
            "管廊",
            "铁道口",
            "轨道交通",
            "港监",
        ],
        Rule(
            "{n}主体结构破损、开裂或沉降，存在安全隐患",
            "已设置警示并完成修复，经检查安全隐患消除",
            wd("10"),
            urgent=uh("2"),
            major=wd("2"),
        ),
        Rule(
            "{n}附属设施（栏杆、照明、排水、踏步等）破损或缺失",
            "附属设施已修复或补齐，功能正常",
            wd("5"),
        ),
        Rule(
            "{n}内或周边积水、脏乱、堆放杂物",
            "积水已排除，杂物已清理，环境整洁",
            wd("1"),
        ),
    ),
    profile(
        "green",
        ["绿地", "林地", "树池", "护树", "高架挂箱", "喷泉", "花架"],
        Rule("{n}破损或缺失", "{n}已修复或补齐", wd("5"), urgent=uh("4")),
        Rule(
            "{n}内有垃圾杂物、植物枯死或黄土裸露",
            "垃圾杂物已清理，已补植，无黄土裸露",
            wd("3"),
        ),
    ),
    profile(
        "street_furniture",
        [
            "亭",
            "售货机",
            "邮筒",
            "缴费机",
            "快递柜",
            "回收箱",
            "晒衣架",
            "健身",
            "座椅",
            "充电桩",
            "租赁点",
            "停放点",
            "存车支架",
            "公交站设施",
            "停靠站",
            "停车计费",
            "无障碍设施",
        ],
        Rule(
            "{n}破损、倾斜或功能故障，影响使用",
            "{n}已修复，功能正常",
            wd("3"),
            urgent=uh("2"),
            major=wd("1"),
        ),
        Rule(
            "{n}脏污、有乱贴乱画，或废弃闲置未拆除",
            "{n}外观整洁，废弃设施已拆除",
            wd("5"),
        ),
    ),
)

# The typical pair for any other component: missing, and damaged/loose/displaced.
GENERIC_PART: Final = profile(
    "generic_part",
    [],
    Rule("{n}丢失或缺失", "已补设{n}，安装牢固", wd("5")),
    Rule(
        "{n}破损、松动或移位",
        "{n}已修复或更换，安装牢固",
        wd("3"),
        urgent=uh("2"),
        major=wd("1"),
    ),
)

# --- Filing rules of matters (管理事项 06-10) ---
ILLEGAL_BUILDING: Final = (
    Rule("发现正在施工的{n}", "已制止施工，并依法立案查处", wd("1"), urgent=uh("4")),
    Rule("已建成的{n}", "违法建设已拆除或依法处理完毕", wd("10")),
)
MATTER_PROFILES: Final[tuple[Profile, ...]] = (
    profile("illegal_building", ["私搭乱建", "无证建设"], *ILLEGAL_BUILDING),
    profile(
        "burning",
        ["焚烧"],
        Rule("发现{n}", "火已熄灭，现场已清理", wh("2"), urgent=uh("1")),
    ),
    profile(
        "medical_waste",
        ["医疗废物"],
        Rule("发现{n}", "医疗废物已按规定收集处置，现场已消毒", wh("4"), urgent=uh("2")),
    ),
    profile(
        "noise",
        ["噪声", "施工扰民"],
        Rule(
            "{n}，夜间或休息时间噪声明显",
            "噪声源已停止或整改，经复查不再扰民",
            wh("4"),
            urgent=uh("2"),
        ),
    ),
    profile(
        "road_damage",
        ["道路破损"],
        Rule(
            "{n}，出现坑槽、塌陷，存在安全隐患",
            "已设置警示并修复，路面平整",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
        Rule("{n}，出现裂缝、沉降、拥包或松散", "路面已修复平整", wd("5")),
    ),
    profile(
        "slope",
        ["边坡", "堤岸"],
        Rule(
            "{n}，存在坍塌隐患或已局部坍塌",
            "已设置警示并修复加固，坍塌隐患消除",
            wd("5"),
            urgent=uh("2"),
            major=wd("1"),
        ),
    ),
    profile(
        "paving",
        ["台阶", "路缘石", "盲道", "无障碍坡道"],
        Rule("{n}，影响通行", "已修复，平整连续，通行顺畅", wd("5")),
    ),
    profile(
        "snow",
        ["积雪"],
        Rule("{n}，影响通行", "积雪已清除，结冰路段已除冰或撒布防滑材料", cd("1"), urgent=uh("4")),
    ),
    profile(
        "overhead_cable",
        ["架空线缆"],
        Rule(
            "{n}，垂落路面或低垂影响通行",
            "线缆已恢复架设或拆除，通行安全",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
    ),
    profile(
        "hanging_work",
        ["高空悬吊"],
        Rule("发现{n}", "已制止违规作业，安全措施到位", wh("2"), urgent=uh("1")),
    ),
    profile(
        "exposed_parts",
        ["预埋件"],
        Rule("{n}，存在绊倒、刮伤隐患", "预埋件已切除或防护，路面平整", wd("1"), urgent=uh("2")),
    ),
    profile(
        "hoarding",
        ["围挡"],
        Rule(
            "{n}：围挡缺失、破损、倾斜或不连续",
            "围挡已修复完整，稳固连续",
            wd("3"),
            urgent=uh("4"),
        ),
    ),
    profile(
        "advertising_risk",
        ["违规户外广告"],
        Rule(
            "{n}破损、松动，存在坠落隐患",
            "坠落隐患已排除，广告已加固或拆除",
            wd("1"),
            urgent=uh("2"),
            major=wh("4"),
        ),
        Rule("未经许可设置或超期设置的{n}", "已依法拆除或补办手续", wd("10")),
    ),
    profile(
        "fire_lane",
        ["消防通道"],
        Rule("{n}，影响消防车通行", "占用物已清除，消防通道畅通", wh("2"), urgent=uh("1")),
    ),
    profile(
        "vagrancy",
        ["流浪乞讨"],
        Rule("街面有{n}人员", "已劝导或护送至救助管理站", wh("4"), urgent=uh("2")),
    ),
    profile(
        "quick_clean",
        ["暴露垃圾", "道路不洁", "遗撒", "动物尸体", "满溢", "车轮夹带"],
        Rule("{n}，影响市容环境卫生", "已清理干净，现场无残留", wh("2"), urgent=uh("1")),
    ),
    profile(
        "street_order",
        ["游商", "店外经营", "占道经营", "占道洗车", "占道促销", "露天烧烤", "街头散发", "屠宰"],
        Rule("发现{n}行为，影响市容和通行", "已劝离或依法查处，现场恢复整洁有序", wh("2")),
    ),
    profile(
        "parking",
        ["乱停放", "共享单车", "畜力车", "履带车", "无障碍通道"],
        Rule("{n}，影响通行或市容秩序", "已劝离、规范或依法查处，通行恢复", wh("2")),
    ),
    profile(
        "short_clean",
        ["晾挂", "绿地脏乱", "工地扬尘", "无证掘路"],
        Rule("发现{n}", "已整改到位，经复查无复发", wh("4")),
    ),
    profile(
        "clearance",
        [
            "积存垃圾",
            "绿化弃料",
            "废弃家具",
            "乱堆",
            "垃圾未分类",
            "不洁",
            "施工废弃料",
            "物料乱堆放",
            "小广告",
            "标语",
            "吊挂",
            "彩旗",
            "节庆装饰",
            "地锁",
            "密闭装置",
            "施工占道",
            "水域秩序",
            "河道污染",
            "污水",
            "公园秩序",
            "早（夜）市",
            "废品收购",
            "非法出版物",
            "农贸市场",
        ],
        Rule("发现{n}，影响市容环境", "已清理或整改到位，现场整洁有序", wd("1")),
    ),
    profile(
        "repair",
        ["遮阳篷", "公益性宣传品", "阳台", "油烟", "施工完成后", "施工公示牌"],
        Rule("{n}，需修复或整改", "已修复或整改到位，经复查合格", wd("3")),
    ),
    profile(
        "rectify",
        [
            "无证装修",
            "违章接坡",
            "违章开设道口",
            "外立面",
            "架设管线",
            "空调室外机",
            "病虫害",
            "占绿毁绿",
            "占用河道",
            "擅自饲养",
            "废弃车辆",
            "无证餐饮",
        ],
        Rule("发现{n}，需责令整改", "已整改到位或依法处理完毕", wd("5")),
    ),
    profile(
        "long_rectify",
        [
            "交通标线",
            "语言文字",
            "牌匾标识",
            "未硬化",
            "填埋场",
            "设置停车场",
            "桥下空间",
        ],
        Rule("发现{n}，需依法整改", "已整改到位或依法处理完毕", wd("10")),
    ),
    profile(
        "illegal_felling",
        ["伐树"],
        Rule("发现{n}行为", "已制止并依法查处", wh("4"), urgent=uh("2")),
    ),
)

# Used when no keyword matches; one per major class so nothing is left without a limit.
MATTER_MAJOR_FALLBACK: Final[Mapping[str, Profile]] = {
    "06": profile("fallback_06", [], Rule("发现{n}", "已整改到位，市容环境恢复整洁", wd("3"))),
    "07": profile("fallback_07", [], Rule("发现{n}", "已清理或依法处理完毕", wd("3"))),
    "08": profile("fallback_08", [], Rule("发现{n}", "施工单位已整改到位", wd("3"))),
    "09": profile("fallback_09", [], Rule("发现{n}", "已劝离或依法查处，秩序恢复", wd("1"))),
    "10": profile("fallback_10", [], Rule("发现{n}", "已处置完毕，隐患消除", wd("3"))),
}

# --- Responsible department types (codes of finegrid/org/data/department_types.csv) ---
# First match wins: the specific keywords come before the general ones.
DEPARTMENT_RULES: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (
        ("信号灯电源井盖", "交通信号", "交通标志", "交通标线", "限高架", "交通岗亭"),
        "traffic_police",
    ),
    (
        ("交通护栏", "防撞桶", "安全岛", "人行横道桩", "柔性隔离体", "道路信息显示屏"),
        "traffic_police",
    ),
    (("交通反视镜", "减速带", "畜力车", "履带车", "违规设置停车场"), "traffic_police"),
    (("非机动车", "占用无障碍通道", "自行车租赁", "存车支架", "便道桩"), "urban_management"),
    (("焚烧", "私搭乱建", "无证建设"), "urban_management"),
    (("机动车乱停放",), "traffic_police"),
    (("路灯", "地灯", "景观灯"), "urban_management"),
    (("公安", "监控电子眼", "治安岗亭", "紧急报警点"), "public_security"),
    (("园林井盖",), "landscaping"),
    (("公交", "出租车", "公路隧道", "铁道口", "栈桥", "港监", "轨道交通", "共享单车"), "transport"),
    (("停车场", "立体车库", "停车计费", "停车信息"), "transport"),
    (("消防", "水鹤", "应急避难", "加油"), "emergency_management"),
    (("燃气", "输油"), "gas"),
    (("热力", "供热"), "heating"),
    (("电力", "电缆", "高压线", "变压器", "充电桩"), "power"),
    (("通信", "电视井盖", "网络井盖", "电话亭"), "telecom"),
    (("防汛", "水域", "河道", "堤岸", "沙（河）滩"), "water"),
    (("监测", "噪声", "施工扰民", "油烟", "填埋场"), "ecology_environment"),
    (("化粪池", "公共厕所", "公厕", "垃圾", "环卫", "宠物拾便", "烟头"), "sanitation"),
    (("道路不洁", "遗撒", "动物尸体", "废弃家具", "积雪"), "sanitation"),
    (("供水", "污水", "雨水", "中水", "水井", "沟槽盖板", "水塔", "管道"), "water"),
    (("排水泵站", "排放口", "防蚊闸"), "water"),
    (("路名牌", "地名牌", "门（楼号）牌", "救助站", "流浪乞讨", "旧衣物"), "civil_affairs"),
    (("文物", "景区", "非法出版物", "健身"), "culture_tourism"),
    (("公用电梯", "无证餐饮", "农贸市场", "屠宰", "语言文字"), "market_regulation"),
    (("医疗废物",), "health"),
    (("擅自饲养", "阳台", "晒衣架"), "street_office"),
    (("无证掘路", "渣土运输"), "urban_management"),
    (("桥", "地下通道", "隔音屏", "无障碍", "管廊", "地下室", "道路破损", "边坡"), "housing"),
    (("台阶", "路缘石", "盲道", "施工", "工地", "预埋件", "高空悬吊"), "housing"),
    (
        ("古树", "行道树", "独立树", "护树", "树池", "伐树", "绿", "花架", "雕塑", "座椅"),
        "landscaping",
    ),
    (("喷泉", "高架挂箱", "林地", "病虫害", "公园"), "landscaping"),
)
# No keyword: the department that answers for the major class. Components without a known owner
# and matters of street order fall to city management (城管), the usual default of a 数字城管 centre.
DEPARTMENT_BY_MAJOR: Final[Mapping[str, str]] = {
    "01": "urban_management",
    "02": "traffic_police",
    "03": "urban_management",
    "04": "landscaping",
    "05": "housing",
    "06": "urban_management",
    "07": "urban_management",
    "08": "housing",
    "09": "urban_management",
    "10": "urban_management",
}

# --- Action tags 净平明绿美齐优 ---
ACTION_TAGS: Final = (
    ("clean", "净", "环境干净：道路、水域、绿地和公共场所保洁到位，垃圾及时清运"),
    ("smooth", "平", "道路平整：路面、井盖、桥梁和交通设施完好，通行顺畅"),
    ("lit", "明", "灯光明亮：路灯、景观灯和交通信号灯亮灯完好"),
    ("green", "绿", "绿化美化：树木、绿地和园林设施养护良好"),
    ("beautiful", "美", "市容美观：立面、广告、招牌、标识和景观整洁美观"),
    ("orderly", "齐", "秩序井然：无违法建设、占道经营和乱停乱放"),
    ("service", "优", "服务优质：公共服务设施完好，便民服务到位"),
)
# Every matching keyword adds its tag (a category may carry several).
TAG_RULES: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (
        (
            "垃圾",
            "厕",
            "化粪池",
            "不洁",
            "脏乱",
            "遗撒",
            "环卫",
            "宠物拾便",
            "烟头",
            "乱排污水",
            "排放口",
            "污染",
            "尸体",
            "废弃",
            "弃料",
            "扬尘",
            "车轮夹带",
            "乱倒",
            "医疗废物",
            "焚烧",
            "填埋",
            "场光地净",
        ),
        "clean",
    ),
    (
        (
            "井盖",
            "箅子",
            "盖板",
            "道路",
            "桥",
            "地下通道",
            "隧道",
            "交通",
            "路缘石",
            "盲道",
            "台阶",
            "减速带",
            "掘路",
            "积雪",
            "无障碍",
            "人行横道桩",
            "便道桩",
            "防撞桶",
            "安全岛",
            "隔离体",
            "停车",
            "占道",
            "铁道口",
            "边坡",
            "堤岸",
            "道口",
            "地锁",
            "栈桥",
            "机动车",
            "架空线缆",
        ),
        "smooth",
    ),
    (("路灯", "地灯", "景观灯", "交通信号灯"), "lit"),
    (
        ("古树", "行道树", "独立树", "护树", "树池", "伐树", "绿", "花架", "林地", "病虫害"),
        "green",
    ),
    (
        ("园林", "喷泉", "高架挂箱", "公园"),
        "green",
    ),
    (
        (
            "广告",
            "牌匾",
            "宣传",
            "标语",
            "外立面",
            "彩旗",
            "晾挂",
            "空调室外机",
            "吊挂",
            "雕塑",
            "牌楼",
            "景观灯",
            "节庆装饰",
            "遮阳篷",
            "阳台",
            "文物",
            "架设管线",
            "公示牌",
            "围挡",
            "语言文字",
        ),
        "beautiful",
    ),
    (
        (
            "私搭乱建",
            "违章",
            "违规",
            "无证",
            "占道",
            "占用",
            "游商",
            "店外经营",
            "乱停放",
            "乱象",
            "乱堆",
            "秩序",
            "地锁",
            "露天烧烤",
            "屠宰",
            "畜力车",
            "非法",
            "擅自",
            "早（夜）市",
            "废弃车辆",
            "散发",
            "占绿毁绿",
            "噪声",
            "扰民",
        ),
        "orderly",
    ),
    (
        (
            "厕",
            "报刊亭",
            "电话亭",
            "邮筒",
            "信息亭",
            "售货",
            "健身",
            "休息亭",
            "缴费机",
            "充电桩",
            "快递柜",
            "公交",
            "出租车",
            "立体车库",
            "租赁点",
            "停放点",
            "无障碍",
            "应急避难",
            "救助站",
            "报警点",
            "路名牌",
            "地名牌",
            "门（楼号）牌",
            "公用电梯",
            "流浪乞讨",
            "座椅",
            "晒衣架",
            "旧衣物",
            "景区",
            "农贸市场",
            "供水器",
            "公厕",
        ),
        "service",
    ),
)
TAG_BY_MAJOR: Final[Mapping[str, str]] = {
    "01": "service",
    "02": "smooth",
    "03": "clean",
    "04": "green",
    "05": "service",
    "06": "clean",
    "07": "beautiful",
    "08": "orderly",
    "09": "orderly",
    "10": "smooth",
}


@dataclass
class StandardRow:
    kind: str
    major_code: str
    major_name: str
    code: str
    name: str


@dataclass
class Derivation:
    profile: str
    department_rule: str
    tag_rules: list[str] = field(default_factory=list)


def read_catalogue(path: Path) -> list[StandardRow]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            StandardRow(
                kind=KIND_BY_LABEL[row["kind"].strip()],
                major_code=row["major_code"].strip(),
                major_name=row["major_name"].strip(),
                code=row["code5"].strip(),
                name=row["name"].strip(),
            )
            for row in csv.DictReader(handle)
        ]
    keys = [(r.kind, r.code) for r in rows]
    if len(set(keys)) != len(keys):
        raise SystemExit(f"{path}: duplicate (kind, code) rows")
    return rows


def _first_keyword(name: str, keywords: Sequence[str]) -> str | None:
    return next((k for k in keywords if k in name), None)


def choose_profile(*, kind: str, major_code: str, subject: str) -> tuple[Profile, str]:
    """The filing-rule profile for a name, and the keyword that chose it."""
    profiles = PART_PROFILES if kind == "part" else MATTER_PROFILES
    for candidate in profiles:
        hit = _first_keyword(subject, candidate.keywords)
        if hit is not None:
            return candidate, hit
    if kind == "part":
        return GENERIC_PART, ""
    return MATTER_MAJOR_FALLBACK[major_code], ""


def choose_department(*, major_code: str, subject: str) -> tuple[str, str]:
    """The department type code for a name, and how it was chosen."""
    for keywords, department in DEPARTMENT_RULES:
        hit = _first_keyword(subject, keywords)
        if hit is not None:
            return department, f"keyword:{hit}"
    return DEPARTMENT_BY_MAJOR[major_code], f"major:{major_code}"


def choose_tags(*, major_code: str, subject: str) -> tuple[list[str], list[str]]:
    """The action tag codes for a name (in 净平明绿美齐优 order), and the rules that added them."""
    found: dict[str, str] = {}
    for keywords, tag in TAG_RULES:
        hit = _first_keyword(subject, keywords)
        if hit is not None and tag not in found:
            found[tag] = f"keyword:{hit}"
    if not found:
        tag = TAG_BY_MAJOR[major_code]
        found[tag] = f"major:{major_code}"
    order = [code for code, _char, _description in ACTION_TAGS]
    tags = sorted(found, key=order.index)
    return tags, [found[t] for t in tags]


def mirror_subject(row: StandardRow, parts: Mapping[str, StandardRow]) -> str | None:
    """For a matter of majors 01-05 ("供水井盖异常"), the name of the component it is about."""
    part = parts.get(row.code)
    if row.kind != "matter" or part is None or row.major_code != part.major_code:
        return None
    if row.name.replace("异常", "") != part.name:
        raise SystemExit(f"matter {row.code} {row.name} does not mirror part {part.name}")
    return part.name


def build_category(row: StandardRow, parts: Mapping[str, StandardRow]) -> dict[str, Any]:
    mirrored = mirror_subject(row, parts)
    subject = mirrored if mirrored is not None else row.name
    rule_kind = "part" if mirrored is not None else row.kind
    chosen, keyword = choose_profile(kind=rule_kind, major_code=row.major_code, subject=subject)
    department, department_rule = choose_department(major_code=row.major_code, subject=subject)
    tags, tag_rules = choose_tags(major_code=row.major_code, subject=subject)
    derivation: dict[str, Any] = {
        "profile": chosen.key + (f" (keyword:{keyword})" if keyword else " (fallback)"),
        "department": department_rule,
        "action_tags": tag_rules,
    }
    if mirrored is not None:
        derivation["mirrors_part"] = row.code
    return {
        "kind": row.kind,
        "major_code": row.major_code,
        "major_name": row.major_name,
        "code": row.code,
        "name": row.name,
        "department_type": department,
        "action_tags": tags,
        "active": True,
        "notes": "",
        "filing_rules": [
            rule.render(order=index, subject=subject)
            for index, rule in enumerate(chosen.rules, start=1)
        ],
        "derivation": derivation,
    }


def build_catalogue(rows: Sequence[StandardRow]) -> dict[str, Any]:
    parts = {r.code: r for r in rows if r.kind == "part"}
    majors: dict[tuple[str, str], str] = {}
    for row in rows:
        if majors.setdefault((row.kind, row.major_code), row.major_name) != row.major_name:
            raise SystemExit(f"major {row.kind} {row.major_code} has two names")
    kind_order = {"part": 0, "matter": 1}
    ordered = sorted(rows, key=lambda r: (kind_order[r.kind], r.code))
    return {
        "format": "finegrid.catalogue/1",
        "standard": "GB/T 47678.5-2026 管理部件和事项",
        "generated_by": "finegrid/catalogue/data/build_fixture.py",
        "note": (
            "部门类型、行动标签、立案条件和处置时限为本项目按规则推定的默认值（标准未规定），"
            "各城市可在管理后台修改；重复加载不会覆盖已修改的数据。"
        ),
        "action_tags": [
            {"code": code, "char": char, "description": description, "order": index}
            for index, (code, char, description) in enumerate(ACTION_TAGS, start=1)
        ],
        "major_classes": [
            {"kind": kind, "code": code, "name": name}
            for (kind, code), name in sorted(
                majors.items(), key=lambda i: (kind_order[i[0][0]], i[0][1])
            )
        ],
        "categories": [build_category(row, parts) for row in ordered],
    }


def read_legacy(path: Path, *, reader: str, source: str) -> list[dict[str, str]]:
    """Legacy rows as (kind, legacy_code, major_name, minor_name); a major without minors yields none."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        raw = list(csv.DictReader(handle))
    rows: list[dict[str, str]] = []
    for row in raw:
        if reader == "chaoyang":
            rows.append(
                {
                    "source": source,
                    "kind": KIND_BY_LABEL[row["kind"].strip()],
                    "legacy_code": row["code6"].strip(),
                    "major_name": row["major_name"].strip(),
                    "minor_name": row["minor_name"].strip(),
                }
            )
            continue
        if not row["minor_id"].strip():
            continue  # "21 扩展事件" is a reserved major class with no minor class to map
        # The 2013 event style numbers major and minor from 1; case numbers wrote them as 2+2 digits.
        rows.append(
            {
                "source": source,
                "kind": "matter",
                "legacy_code": f"{int(row['major_id']):02d}{int(row['minor_id']):02d}",
                "major_name": row["major_name"].strip(),
                "minor_name": row["minor_name"].strip(),
            }
        )
    return rows


def build_legacy(standards: Path, catalogue: Mapping[str, Any]) -> dict[str, Any]:
    by_kind: dict[str, list[tuple[str, str]]] = {"part": [], "matter": []}
    for category in catalogue["categories"]:
        by_kind[category["kind"]].append((category["code"], category["name"]))
    categories: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for source, filename, reader in LEGACY_SOURCES:
        rows = read_legacy(standards / filename, reader=reader, source=source)
        counts = {"exact": 0, "normalised": 0, "none": 0}
        for row in rows:
            code, method = match_name(row["minor_name"], by_kind[row["kind"]])
            counts[method.value] += 1
            categories.append(
                {
                    **row,
                    "maps_to": None if code is None else {"kind": row["kind"], "code": code},
                    "match": method.value,
                }
            )
        sources.append({"source": source, "file": filename, "rows": len(rows), "matches": counts})
    return {
        "format": "finegrid.catalogue.legacy/1",
        "standard": "GB/T 30428.2-2013 管理部件和事件（旧版目录）",
        "generated_by": "finegrid/catalogue/data/build_fixture.py",
        "sources": sources,
        "categories": categories,
    }


def unused_keywords(subjects: Iterable[str]) -> list[str]:
    """Keywords of the rule tables that occur in no name: dead rules a reviewer should prune."""
    names = list(subjects)
    tables: list[tuple[str, Iterable[str]]] = [
        (p.key, p.keywords) for p in (*PART_PROFILES, *MATTER_PROFILES)
    ]
    tables += [(f"department:{d}", k) for k, d in DEPARTMENT_RULES]
    tables += [(f"tag:{t}", k) for k, t in TAG_RULES]
    return [
        f"{table}:{keyword}"
        for table, keywords in tables
        for keyword in keywords
        if not any(keyword in name for name in names)
    ]


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--standards", type=Path, default=DEFAULT_STANDARDS)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    standards: Path = args.standards
    out: Path = args.out
    rows = read_catalogue(standards / CATALOGUE_CSV)
    for unused in unused_keywords(r.name for r in rows):
        print(f"warning: keyword matches no category: {unused}")
    catalogue = build_catalogue(rows)
    legacy = build_legacy(standards, catalogue)
    write_json(out / CATALOGUE_JSON, catalogue)
    write_json(out / LEGACY_JSON, legacy)
    for item in legacy["sources"]:
        print(f"{item['source']}: {item['rows']} rows, matches {item['matches']}")
    print(f"{len(catalogue['categories'])} categories written to {out / CATALOGUE_JSON}")


if __name__ == "__main__":
    main()
