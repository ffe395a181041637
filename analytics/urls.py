from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/gaps/refresh/", views.refresh_gaps, name="refresh-gaps"),
    path("analytics/gaps/create-flow/", views.create_flow, name="create-flow"),
]
