from django.urls import include, path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("flows/", views.flow_list, name="flow-list"),
    path("flows/<uuid:pk>/", views.flow_detail, name="flow-detail"),
    path("flows/<uuid:pk>/history/", views.flow_history, name="flow-history"),
    path("flows/<uuid:pk>/restore/<int:version>/", views.flow_restore, name="flow-restore"),
    path("flows/<uuid:pk>/export.json", views.flow_export, name="flow-export"),
    path("flows/", include("knowledge.editor.urls")),
    path("", include("knowledge.review.urls")),
    path("", include("knowledge.terms.urls")),
]
