"""The campaign pages, mounted at /campaigns/."""

from django.urls import URLPattern, path

from finegrid.web.campaigns import behind, exports, management_views, rounds, views

urlpatterns: list[URLPattern] = [
    path("", views.plans, name="campaigns"),
    path("plans/import", exports.import_workbook, name="campaigns-import"),
    path("plans/new", management_views.new_plan, name="campaigns-plan-new"),
    path("plans/template.xlsx", exports.import_template, name="campaigns-import-template"),
    path("plans/<int:plan_id>/", views.board, name="campaigns-plan"),
    path(
        "plans/<int:plan_id>/export.<str:fmt>", exports.board_export, name="campaigns-plan-export"
    ),
    path("plans/<int:plan_id>/plan.xlsx", exports.plan_workbook, name="campaigns-plan-workbook"),
    path("plans/<int:plan_id>/pledges", views.add_pledge, name="campaigns-pledge"),
    path(
        "plans/<int:plan_id>/categories",
        management_views.new_category,
        name="campaigns-plan-category",
    ),
    path("plans/<int:plan_id>/tasks", management_views.new_task, name="campaigns-plan-task"),
    path("pledges/<int:pledge_id>/scan", views.pledge_scan, name="campaigns-pledge-scan"),
    path("tasks/<int:task_id>/", views.task_page, name="campaigns-task"),
    path("tasks/<int:task_id>/<str:action>", views.task_act, name="campaigns-task-act"),
    path("files/<int:file_id>", views.task_file, name="campaigns-file"),
    path("mine/", views.mine, name="campaigns-mine"),
    path("mine/export.<str:fmt>", exports.mine_export, name="campaigns-mine-export"),
    path("supervision/", views.supervision, name="campaigns-supervision"),
    path(
        "supervision/export.<str:fmt>",
        exports.supervision_export,
        name="campaigns-supervision-export",
    ),
    path("acceptance/", views.acceptance, name="campaigns-acceptance"),
    path(
        "behind/<slug:code>/<str:period>/<int:unit_id>/",
        behind.figure,
        name="campaigns-behind",
    ),
    path("rounds/", rounds.rounds, name="campaigns-rounds"),
    path("rounds/draw", management_views.draw, name="campaigns-round-draw"),
    path("rounds/<int:round_id>/", rounds.round_page, name="campaigns-round"),
    path("rounds/<int:round_id>/finish", management_views.finish, name="campaigns-round-finish"),
    path(
        "rounds/<int:round_id>/export.<str:fmt>",
        exports.round_export,
        name="campaigns-round-export",
    ),
    path("rounds/<int:round_id>/visits/<int:visit_id>/", rounds.score_page, name="campaigns-score"),
    path(
        "rounds/<int:round_id>/visits/<int:visit_id>/score",
        rounds.score,
        name="campaigns-score-post",
    ),
    path(
        "rounds/<int:round_id>/visits/<int:visit_id>/finish",
        rounds.finish,
        name="campaigns-finish-visit",
    ),
    path("scores/<int:score_id>/photo", rounds.score_photo, name="campaigns-score-photo"),
    path("sites/", management_views.sites, name="campaigns-sites"),
    path("sites/import", management_views.sites_import, name="campaigns-sites-import"),
    path("sites/template.csv", management_views.sites_template, name="campaigns-sites-template"),
    path("templates/", management_views.templates, name="campaigns-templates"),
    path(
        "templates/default",
        management_views.load_default_template,
        name="campaigns-templates-default",
    ),
    path("assessment/", rounds.assessments, name="campaigns-assessments"),
    path("assessment/import", management_views.index_import, name="campaigns-assessment-import"),
    path(
        "assessment/template.csv",
        management_views.index_template,
        name="campaigns-assessment-template",
    ),
    path("assessment/<int:tree_id>/", rounds.assessment, name="campaigns-assessment"),
    path(
        "assessment/<int:tree_id>/reviews",
        management_views.review,
        name="campaigns-assessment-review",
    ),
    path(
        "assessment/<int:tree_id>/export.<str:fmt>",
        exports.assessment_export,
        name="campaigns-assessment-export",
    ),
]
