"""Load the default indicators and schemes of EVALUATION.md (a city edits them in the admin)."""

from django.db import migrations


def install(apps, schema_editor):
    from finegrid.evaluation.specs import install_defaults

    install_defaults(
        apps.get_model("evaluation", "Indicator"),
        apps.get_model("evaluation", "Scheme"),
        apps.get_model("evaluation", "SchemeItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
