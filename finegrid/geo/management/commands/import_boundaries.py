"""`manage.py import_boundaries FILE [--crs gcj02] [--code-property code] [--create-missing] [--strict]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from finegrid.geo.crs import CRS, parse_crs
from finegrid.geo.imports import BoundaryReport, GeoImportError, import_boundaries
from finegrid.geo.models import AreaLevel


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = gettext(
            "把 GeoJSON 要素集合中的边界存到代码相同的现行区域上（代码取自 adcode、code 或 admin_code "
            "属性）。坐标转换为 WGS-84 后保存；DataV 等高德来源的文件是 GCJ-02，须加 --crs gcj02。"
            "有任何要素的几何被拒绝则什么也不保存；找不到区域的要素只报告，加 --strict 时也会阻止导入。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=gettext("GeoJSON 文件路径"))
        parser.add_argument(
            "--crs",
            help=gettext(
                "文件坐标系：wgs84、gcj02 或 bd09；省略时按文件的 crs 成员，没有则为 WGS-84"
            ),
        )
        parser.add_argument(
            "--level", choices=AreaLevel.values, help=gettext("只匹配这一层级的区域")
        )
        parser.add_argument(
            "--code-property",
            help=gettext("存放区划代码的属性名（默认依次尝试 adcode、code、admin_code）"),
        )
        parser.add_argument(
            "--name-property", help=gettext("存放名称的属性名（默认依次尝试 name、Name、NAME）")
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help=gettext("为找不到的代码按要素名称新建区域"),
        )
        parser.add_argument(
            "--parent",
            metavar="CODE",
            help=gettext("新建区域的上级区域代码（省略时按代码推断）"),
        )
        parser.add_argument(
            "--strict", action="store_true", help=gettext("有找不到区域的要素时也不导入")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        crs: CRS | None = None
        if options["crs"]:
            try:
                crs = parse_crs(options["crs"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        if options["parent"] and not options["create_missing"]:
            raise CommandError(gettext("--parent 只能与 --create-missing 一起使用"))
        try:
            report = import_boundaries(
                path=options["file"],
                crs=crs,
                level=AreaLevel(options["level"]) if options["level"] else None,
                code_property=options["code_property"],
                name_property=options["name_property"],
                strict=options["strict"],
                create_missing=options["create_missing"],
                parent_code=options["parent"],
            )
        except GeoImportError as refused:
            if refused.report is not None:
                self._write_unmatched(refused.report)
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                gettext("共 %(count)d 个要素被拒绝，未保存任何边界。")
                % {"count": len(refused.problems)}
            ) from None
        self._write_unmatched(report)
        for item in report.name_mismatches:
            self.stdout.write(
                gettext(
                    "名称不一致：features[%(index)d] %(code)s 文件中为“%(theirs)s”，系统中为“%(ours)s”"
                )
                % {
                    "index": item.index,
                    "code": item.code,
                    "theirs": item.feature_name,
                    "ours": item.area_name,
                }
            )
        self.stdout.write(
            self.style.SUCCESS(
                gettext(
                    "坐标系 %(crs)s：匹配 %(matched)d 个要素（新建区域 %(created)d 个，保存边界 "
                    "%(stored)d 个，未变 %(unchanged)d 个），未匹配 %(unmatched)d 个，名称不一致 %(names)d 个。"
                )
                % {
                    "crs": ", ".join(str(c.value) for c in report.crs.values()),
                    "matched": len(report.matched),
                    "created": len(report.created),
                    "stored": report.stored,
                    "unchanged": report.unchanged,
                    "unmatched": len(report.unmatched),
                    "names": len(report.name_mismatches),
                }
            )
        )

    def _write_unmatched(self, report: BoundaryReport) -> None:
        for item in report.unmatched:
            self.stdout.write(gettext("未匹配：%(feature)s") % {"feature": item})
