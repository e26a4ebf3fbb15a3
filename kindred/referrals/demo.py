"""Demo cooperation: a consent, a referral waiting in the school health service's inbox, a consultation."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kindred.accounts.models import User
from kindred.care.services import children_of
from kindred.consent.services import ConsentData, record_consent
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation
from kindred.people.models import Person
from kindred.referrals import services
from kindred.referrals.models import Consultation, Referral


def _actor(email: str, organisation: Organisation) -> Actor:
    user = User.objects.get(email=email)
    return Actor(user, Membership.objects.filter(user=user, organisation=organisation).first(), "demo", via="cli")


@transaction.atomic
def create_cooperation_demo(orgs: dict[str, Organisation]) -> None:
    unit, school, home = orgs["unit"], orgs["school"], orgs["home"]
    if Referral.objects.filter(from_organisation=unit).exists():
        return
    kari = _actor("klinikker@demo.kindred.no", unit)
    lars = Person.objects.filter(given_name="Lars", family_name="Hansen", registered_by=unit).first()
    if lars is None:
        return
    today = timezone.localdate()
    record_consent(
        kari,
        lars,
        ConsentData(
            categories=["children"],
            purpose="Oppfølging av barna på skolen",
            valid_from=today,
            valid_until=today + timedelta(days=365),
            form="written",
            recipient_organisation_id=school.pk,
        ),
    )
    emma = children_of(lars).filter(given_name="Emma").first()
    services.create_referral(
        kari,
        lars,
        services.ReferralData(
            to_organisation_id=school.pk,
            reason="Emma trenger en trygg voksen på skolen.",
            categories=["children"],
            contact_person="Kari Klinikker, tlf. 51 00 00 00",
            child_ids=(emma.pk,) if emma else (),
        ),
    )
    kristian = _actor("koordinator@demo.kindred.no", home)
    if not Consultation.objects.filter(from_organisation=home).exists():
        services.ask_consultation(
            kristian,
            to_organisation_id=unit.pk,
            title="Mor i aktiv rus, barn på 4 år",
            question="Hvordan kan vi best snakke med mor om barnehagens bekymring uten å miste kontakten?",
        )
