"""The flow editor's routes, included under /flows/ by knowledge.urls (so their names are knowledge:...)."""

from django.urls import path

from knowledge import editor_views

urlpatterns = [
    path("new/", editor_views.flow_new, name="flow-new"),
    path("import/", editor_views.flow_import, name="flow-import"),
    path("<uuid:pk>/edit/", editor_views.flow_edit, name="flow-edit"),
    path("drafts/<uuid:pk>/edit/", editor_views.draft_edit, name="draft-edit"),
    path("drafts/<uuid:pk>/ops/", editor_views.draft_op, name="draft-op"),
    path("drafts/<uuid:pk>/meta/", editor_views.draft_meta, name="draft-meta"),
    path("drafts/<uuid:pk>/publish/", editor_views.draft_publish, name="draft-publish"),
    path("drafts/<uuid:pk>/export.json", editor_views.draft_export, name="draft-export"),
]
