"""The inspector's mobile workspace, mounted at /m/."""

from django.urls import URLPattern, path

from finegrid.web import inspector

urlpatterns: list[URLPattern] = [
    path("", inspector.home, name="inspector-home"),
    path("tasks", inspector.tasks, name="inspector-tasks"),
    path("grids.geojson", inspector.my_grids, name="inspector-grids"),
    path("locate", inspector.locate, name="inspector-locate"),
    path("report", inspector.report, name="inspector-report"),
    path("cases/<int:case_id>", inspector.case_page, name="inspector-case"),
    path(
        "cases/<int:case_id>/photos/<int:photo_id>",
        inspector.case_photo,
        name="inspector-case-photo",
    ),
    path("kept/<int:upload_id>", inspector.kept_photo, name="inspector-kept-photo"),
]
