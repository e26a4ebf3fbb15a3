from django.urls import path

from kindred.referrals import views

app_name = "cooperation"

urlpatterns = [
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/new/<int:person_pk>/", views.referral_new, name="referral_new"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/status/", views.referral_status, name="referral_status"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/new/", views.consultation_new, name="consultation_new"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    path("consultations/<int:pk>/reply/", views.consultation_reply, name="consultation_reply"),
    path("consultations/<int:pk>/close/", views.consultation_close, name="consultation_close"),
    path("children/<int:child_pk>/agreements/", views.agreements, name="agreements"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
