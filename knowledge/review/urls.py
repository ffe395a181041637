"""The Review Queue's routes, included by knowledge.urls (so their names are knowledge:...)."""

from django.urls import path

from knowledge.review import views

urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("review/<uuid:pk>/", views.proposal_detail, name="review-detail"),
    path("review/<uuid:pk>/approve/", views.proposal_approve, name="review-approve"),
    path("review/<uuid:pk>/reject/", views.proposal_reject, name="review-reject"),
    path("review/<uuid:pk>/dismiss/", views.proposal_dismiss, name="review-dismiss"),
    path("review/<uuid:pk>/edit/", views.proposal_edit, name="review-edit"),
    path("review/<uuid:pk>/restore-term/", views.proposal_restore_term, name="review-restore-term"),
]
