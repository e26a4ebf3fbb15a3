from django.http import HttpResponse
from django.urls import path

app_name = "directory"

urlpatterns = [
    path("inbox/<int:pk>/", lambda request, pk: HttpResponse(), name="inbox_detail"),  # placeholder
]
