from django import forms

from knowledge.flywheel.generalise import CLIENT

INPUT = {"class": "field-input"}


class TermForm(forms.Form):
    term = forms.CharField(label="Name or term", max_length=200, widget=forms.TextInput(INPUT))
    replacement = forms.CharField(
        label="Becomes", max_length=100, required=False, initial=CLIENT, widget=forms.TextInput(INPUT)
    )

    def clean_term(self):
        term = " ".join(self.cleaned_data["term"].split())
        if len(term) < 2:
            raise forms.ValidationError("A term has at least two characters.")
        return term

    def clean_replacement(self):
        return " ".join(self.cleaned_data["replacement"].split()) or CLIENT
