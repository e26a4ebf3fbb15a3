"""The organisation's retention rules and what is due under them today (organisation admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.forms import apply_errors
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.retention import services
from kindred.retention.forms import RulesForm
from kindred.retention.models import DESCRIPTIONS, MINIMUM_MONTHS

SOURCES = {
    services.Source.ORGANISATION: gettext_lazy("This organisation's rule"),
    services.Source.COUNTRY: gettext_lazy("The country's rule"),
    services.Source.BUILT_IN: gettext_lazy("Built-in default"),
}


@requires(Capability.MANAGE_ORGANISATION)
def rules(request):
    actor = request.actor
    organisation = actor.organisation
    current = services.effective_rules(organisation)
    inherited = services.inherited_rules(organisation)
    form = RulesForm(request.POST or None, inherited=inherited, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.set_rules(actor, form.choices())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if changed:
                messages.success(request, _("The retention rules are saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("retention:rules")
    today = timezone.localdate()
    lines = services.report(today, [organisation])
    rows = [
        {
            "line": line,
            "description": DESCRIPTIONS[line.rule.record_type],
            "minimum": MINIMUM_MONTHS[line.rule.record_type],
            "source": SOURCES[line.rule.source],
            "mode": mode,
            "months": months,
        }
        for line, (_type, mode, months) in zip(lines, form.rows(), strict=True)
    ]
    context = {"form": form, "rows": rows, "today": today, "organisation": organisation}
    return render(request, "retention/rules.html", context)
