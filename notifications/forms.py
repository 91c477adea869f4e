from django import forms

from notifications.models import EmailCategory, EmailPreferences


class EmailPreferencesForm(forms.ModelForm):
    class Meta:
        model = EmailPreferences
        fields = list(EmailPreferences.CATEGORIES)
        labels = {name: EmailCategory(name).label for name in EmailPreferences.CATEGORIES}
