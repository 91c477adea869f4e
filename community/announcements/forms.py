from django import forms

from community.announcements.models import ANNOUNCEMENT_MAX_LENGTH


class AnnouncementForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    body = forms.CharField(
        label="Message",
        max_length=ANNOUNCEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown. Every active student gets a notification, and an e-mail if they want one.",
    )
