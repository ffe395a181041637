"""The flow editor's routes, included under /flows/ by knowledge.urls (so their names are knowledge:...)."""

from django.urls import path

from knowledge.editor import views

urlpatterns = [
    path("new/", views.flow_new, name="flow-new"),
    path("import/", views.flow_import, name="flow-import"),
    path("<uuid:pk>/edit/", views.flow_edit, name="flow-edit"),
    path("drafts/<uuid:pk>/edit/", views.draft_edit, name="draft-edit"),
    path("drafts/<uuid:pk>/ops/", views.draft_op, name="draft-op"),
    path("drafts/<uuid:pk>/meta/", views.draft_meta, name="draft-meta"),
    path("drafts/<uuid:pk>/publish/", views.draft_publish, name="draft-publish"),
    path("drafts/<uuid:pk>/export.json", views.draft_export, name="draft-export"),
]
