"""The owner's PSA settings pages; included by flowpilot/urls.py under the flowpilot namespace."""

from django.urls import path

from flowpilot.psa import views

urlpatterns = [
    path("settings/psa/", views.psa_settings, name="psa-settings"),
    path("settings/psa/test/", views.psa_test, name="psa-test"),
    path("settings/psa/engineers/<uuid:pk>/", views.psa_identity, name="psa-identity"),
]
