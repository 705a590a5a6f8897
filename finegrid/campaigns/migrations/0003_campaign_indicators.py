"""Campaign indicators for evaluation schemes, and a department scheme that weighs campaign work."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def install(apps, schema_editor):
    from finegrid.evaluation.specs import install_defaults

    install_defaults(
        apps.get_model("evaluation", "Indicator"),
        apps.get_model("evaluation", "Scheme"),
        apps.get_model("evaluation", "SchemeItem"),
        indicators_rows=json.loads((DATA / "indicators.json").read_text(encoding="utf-8")),
        scheme_rows=json.loads((DATA / "schemes.json").read_text(encoding="utf-8")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_site_types"),
        ("evaluation", "0004_fewer_fact_indexes"),
    ]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
