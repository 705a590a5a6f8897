"""The API's endpoints, one module per part of the domain."""

from __future__ import annotations

from ninja import NinjaAPI


def register(api: NinjaAPI) -> None:
    from finegrid.api.endpoints import attachments, cases, catalogue, geo, me, org

    api.add_router("/", me.router)
    api.add_router("/geo", geo.router)
    api.add_router("/catalogue", catalogue.router)
    api.add_router("/departments", org.router)
    api.add_router("/cases", cases.router)
    api.add_router("/attachments", attachments.router)
