from uuid import uuid4

from django import forms

from community.announcements.models import ANNOUNCEMENT_MAX_LENGTH


class AnnouncementForm(forms.Form):
    # A fresh one in every form rendered: sending the same form twice publishes once.
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid4)
    title = forms.CharField(label="Title", max_length=200)
    body = forms.CharField(
        label="Message",
        max_length=ANNOUNCEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown. Every active student gets a notification, and an e-mail if they want one.",
    )
