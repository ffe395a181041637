from django.urls import path

from scripts import api

urlpatterns = [
    path("scripts/templates", api.ScriptTemplateListView.as_view(), name="api-script-templates"),
    path("scripts/templates/<uuid:pk>", api.ScriptTemplateDetailView.as_view(), name="api-script-template"),
    path("scripts/generate", api.GenerateView.as_view(), name="api-script-generate"),
    path("scripts/generations", api.ScriptGenerationListView.as_view(), name="api-script-generations"),
    path("scripts/generations/<uuid:pk>", api.ScriptGenerationDetailView.as_view(), name="api-script-generation"),
]
