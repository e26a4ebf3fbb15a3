from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.imports.reader import XLSX_MEDIA_TYPE


class UploadForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        help_text=_("Nothing is saved in the records until every row is valid and you choose to import."),
        widget=forms.FileInput(attrs={"accept": f".csv,.xlsx,text/csv,{XLSX_MEDIA_TYPE}"}),
    )
