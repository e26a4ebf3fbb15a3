from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetenceConfig(AppConfig):
    name = "kindred.competence"
    verbose_name = _("Staff competence: courses and seminars")
