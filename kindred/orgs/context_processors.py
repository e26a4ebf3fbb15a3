from django.db.models import Q

from kindred.orgs.models import Capability


def active_membership(request):
    # The middleware has loaded the memberships once per request already.
    return {
        "active_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "user_memberships", []),
    }


def unread_notifications(request):
    """The number of unread notifications for the header: one COUNT, run only if a template shows it."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if membership is None or user is None or not user.is_authenticated:
        return {}
    if not membership.can(Capability.VIEW_PERSONAL_DATA):
        return {}  # the notifications page is for roles that work with persons
    cache: list[int] = []

    def count() -> int:
        if not cache:
            from kindred.referrals.models import Notification

            cache.append(
                Notification.objects.filter(organisation_id=membership.organisation_id, read_at__isnull=True)
                .filter(Q(user=user) | Q(user__isnull=True))
                .count()
            )
        return cache[0]

    return {"unread_notifications": count}
