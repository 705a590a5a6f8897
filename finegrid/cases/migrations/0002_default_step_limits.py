from decimal import Decimal

from django.db import migrations

# Defaults a city edits in the admin (WORKFLOW.md: verification and check commonly 30 minutes of
# working time). `reopen` is the window in which a closed case may be reopened.
DEFAULTS = [
    ("accept", Decimal("0.5"), "working_hours"),
    ("verify", Decimal("0.5"), "working_hours"),
    ("file", Decimal("0.5"), "working_hours"),
    ("review", Decimal("1"), "working_hours"),
    ("dispatch", Decimal("0.5"), "working_hours"),
    ("send_check", Decimal("0.5"), "working_hours"),
    ("check", Decimal("0.5"), "working_hours"),
    ("close", Decimal("1"), "working_hours"),
    ("reopen", Decimal("5"), "working_days"),
]


def add_defaults(apps, schema_editor):
    StepLimit = apps.get_model("cases", "StepLimit")
    for step, amount, unit in DEFAULTS:
        StepLimit.objects.get_or_create(step=step, defaults={"amount": amount, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial_cases")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
