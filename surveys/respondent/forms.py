"""The respondent's own small forms: giving a section to a colleague, asking for a lost link.
(The questions' form is surveys.forms.SectionForm, which the designer's preview draws too.)"""

from django import forms
from django.utils.translation import gettext_lazy

from surveys.services.invitations import DELEGATION_NAME_MAX, delegation_name_validate


class DelegationForm(forms.Form):
    section = forms.ChoiceField(label=gettext_lazy("Section"))
    name = forms.CharField(
        label=gettext_lazy("Colleague's name"), max_length=DELEGATION_NAME_MAX, validators=[delegation_name_validate]
    )
    email = forms.EmailField(label=gettext_lazy("Colleague's e-mail"), max_length=254)

    def __init__(self, *args, sections, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = {section.code: section for section in sections}
        self.fields["section"].choices = [(s.code, s.title(language)) for s in sections]


class LostLinkForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"))
