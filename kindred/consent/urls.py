from django.urls import path

from kindred.consent import views

app_name = "consent"

urlpatterns = [
    path("people/<int:person_pk>/new/", views.new_consent, name="new"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("shared/", views.shared_with_us, name="shared"),
    path("shared/<int:person_pk>/", views.shared_person, name="shared_person"),
]
