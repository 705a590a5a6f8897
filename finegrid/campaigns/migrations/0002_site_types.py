"""The 29 site types of the civilised-city field check, from the project's own fixture."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "site_types.json"


def load(apps, schema_editor):
    SiteType = apps.get_model("campaigns", "SiteType")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        SiteType.objects.update_or_create(tag=row["tag"], defaults={"name": row["name"]})


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_plans_tasks_inspections")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
