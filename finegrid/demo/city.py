"""The demo city 示范市: a fictional city with plausible names; its codes use the unassigned 99 prefix."""

from __future__ import annotations

from typing import Final

CITY: Final = ("990100", "示范市")

# district code, name, core-area flag, [(street serial, street name, [community names])]
DISTRICTS: Final[list[tuple[str, str, bool, list[tuple[str, str, list[str]]]]]] = [
    (
        "990102",
        "明湖区",
        True,
        [
            ("001", "湖滨街道", ["湖滨社区", "望湖社区", "柳岸社区"]),
            ("002", "鼓楼街道", ["鼓楼社区", "钟楼社区", "文庙社区", "书院社区"]),
            ("003", "解放路街道", ["解放社区", "人民社区", "新华社区"]),
        ],
    ),
    (
        "990103",
        "青山区",
        False,
        [
            ("001", "青山街道", ["青山社区", "翠屏社区", "松涛社区"]),
            ("002", "工业园街道", ["园区社区", "厂前社区", "创业社区"]),
            ("003", "桃源镇", ["桃源村", "杏花村", "李家村"]),
        ],
    ),
    (
        "990104",
        "江滨区",
        False,
        [
            ("001", "江滨街道", ["滨江社区", "码头社区", "渔港社区"]),
            ("002", "新城街道", ["新城社区", "金融社区", "会展社区"]),
        ],
    ),
]

# name, department type code, short name
CITY_DEPARTMENTS: Final = [
    ("示范市城市管理局", "urban_management", "市城管局"),
    ("示范市住房和城乡建设局", "housing", "市住建局"),
    ("示范市交通运输局", "transport", "市交通局"),
    ("示范市园林绿化局", "landscaping", "市园林局"),
    ("示范市市场监督管理局", "market_regulation", "市市场监管局"),
    ("示范市生态环境局", "ecology_environment", "市生态环境局"),
    ("示范市环境卫生集团", "sanitation", "环卫集团"),
    ("示范市公安局交通警察支队", "traffic_police", "交警支队"),
    ("国网示范市供电公司", "power", "供电公司"),
    ("示范市水务集团", "water", "水务集团"),
    ("示范市燃气公司", "gas", "燃气公司"),
    ("示范市通信管线运营联合办", "telecom", "通信运营商"),
]

# Each district has its own urban management and housing bureaus and a sanitation station.
DISTRICT_DEPARTMENTS: Final = [
    ("城市管理局", "urban_management", "城管局"),
    ("住房和城乡建设局", "housing", "住建局"),
    ("环境卫生管理所", "sanitation", "环卫所"),
]
