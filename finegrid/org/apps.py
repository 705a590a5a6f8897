from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # post_migrate fires once per app that has models; act on the last, when all permissions exist.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from finegrid.org.roles import sync_role_groups

    sync_role_groups()


class OrgConfig(AppConfig):
    name = "finegrid.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="finegrid.org.sync_roles")
