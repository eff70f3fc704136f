from django.urls import path

from municipalities import views

urlpatterns = [
    path("", views.municipality_list, name="municipality-list"),
    path("<int:pk>/", views.municipality_detail, name="municipality-detail"),
]
