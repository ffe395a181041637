from django.urls import path

from knowledge.terms import views

urlpatterns = [
    path("generalisation-terms/", views.term_list, name="terms"),
    path("generalisation-terms/<int:pk>/delete/", views.term_delete, name="term-delete"),
]
