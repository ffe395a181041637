"""The Review Queue's routes, included by knowledge.urls (so their names are knowledge:...)."""

from django.urls import path

from knowledge import review_views

urlpatterns = [
    path("review/", review_views.review_queue, name="review-queue"),
    path("review/<uuid:pk>/", review_views.proposal_detail, name="review-detail"),
    path("review/<uuid:pk>/approve/", review_views.proposal_approve, name="review-approve"),
    path("review/<uuid:pk>/reject/", review_views.proposal_reject, name="review-reject"),
    path("review/<uuid:pk>/dismiss/", review_views.proposal_dismiss, name="review-dismiss"),
    path("review/<uuid:pk>/edit/", review_views.proposal_edit, name="review-edit"),
]
