from django import forms

from community.models import REVIEW_MAX_LENGTH

STAR_CHOICES = [(n, f"{n} star{'s' if n > 1 else ''}") for n in (5, 4, 3, 2, 1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating", choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label="Your review",
        required=False,
        max_length=REVIEW_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Optional. What should the next student know? Markdown: *emphasis*, lists, links.",
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label="Your answer",
        max_length=REVIEW_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write an answer first."},
    )
