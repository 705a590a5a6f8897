"""`manage.py export_geojson --what areas|grids [--level street] [--within CODE] [-o FILE]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from finegrid.geo.exports import ExportError, export_areas_geojson, export_grids_geojson
from finegrid.geo.models import AreaLevel


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = gettext(
            "把现行区域或单元网格导出为 GeoJSON（WGS-84 经纬度），默认写到标准输出。"
            "导出的区域文件可用 import_boundaries 原样导回。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--what", choices=["areas", "grids"], required=True, help=gettext("导出区域或网格")
        )
        parser.add_argument(
            "--level",
            choices=AreaLevel.values,
            help=gettext("只导出这一层级的区域（仅用于 areas）"),
        )
        parser.add_argument(
            "--within", metavar="CODE", help=gettext("只导出这个区域以下的区域或网格")
        )
        parser.add_argument(
            "-o", "--output", type=Path, help=gettext("输出文件；省略时写到标准输出")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "grids" and options["level"]:
            raise CommandError(gettext("--level 只能与 --what areas 一起使用"))
        try:
            if options["what"] == "areas":
                level = AreaLevel(options["level"]) if options["level"] else None
                collection = export_areas_geojson(level=level, parent_code=options["within"])
            else:
                collection = export_grids_geojson(within_code=options["within"])
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text)
            return
        output.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(
            gettext("已写出 %(count)d 个要素到 %(file)s")
            % {"count": len(collection["features"]), "file": output}
        )
