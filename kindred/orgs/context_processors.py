from kindred.orgs.models import Membership


def active_membership(request):
    membership = getattr(request, "membership", None)
    memberships = []
    if membership is not None:
        memberships = list(Membership.objects.for_user(request.user))
    return {"active_membership": membership, "user_memberships": memberships}
