from django.urls import path

from scripts import views

app_name = "scripts"

urlpatterns = [
    path("scripts/", views.library, name="library"),
    path("scripts/new/", views.template_new, name="template-new"),
    path("scripts/history/", views.history, name="history"),
    path("scripts/history/<uuid:pk>/", views.generation_detail, name="generation"),
    path("scripts/t/<slug:slug>/", views.by_slug, name="by-slug"),
    path("scripts/<uuid:pk>/", views.configure, name="configure"),
    path("scripts/<uuid:pk>/preview/", views.preview, name="preview"),
    path("scripts/<uuid:pk>/generate/", views.generate, name="generate"),
    path("scripts/<uuid:pk>/download/", views.download, name="download"),
    path("scripts/<uuid:pk>/edit/", views.template_edit, name="template-edit"),
    path("scripts/<uuid:pk>/copy/", views.template_copy, name="template-copy"),
]
