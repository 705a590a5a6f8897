"""The API schema as committed: stable key order, Chinese left readable."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder

SCHEMA_FILE = "docs/api/openapi.json"


def render_schema() -> str:
    from finegrid.api.main import api

    schema = api.get_openapi_schema()
    return (
        json.dumps(schema, cls=DjangoJSONEncoder, indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )
