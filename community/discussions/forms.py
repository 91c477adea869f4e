"""The discussion forms. Posting forms carry `token`, a fresh UUID in every
form rendered (`with_token`), which the services use to post a double submit
once."""

from uuid import uuid4

from django import forms

from community.discussions.models import POST_MAX_LENGTH, TITLE_MAX_LENGTH

BODY_HELP = "Markdown: *emphasis*, `code`, lists, quotes and links."
EXPIRED = "This form had expired. Nothing was posted: please send it again."


class _Posting(forms.Form):
    token = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": EXPIRED, "invalid": EXPIRED}
    )

    @classmethod
    def with_token(cls, **kwargs):
        return cls(initial={"token": uuid4()}, **kwargs)

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "token" in self.errors:
            # A form sent without a usable token gets a fresh one to send it again with.
            self.data = self.data.copy()
            self.data["token"] = str(uuid4())


class QuestionForm(_Posting):
    title = forms.CharField(
        label="Your question, in a line",
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": "Give your question a title."},
    )
    body = forms.CharField(
        label="Details",
        max_length=POST_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"What did you try, and what happened? {BODY_HELP}",
        error_messages={"required": "Say a little more about your question."},
    )
    field_order = ["title", "body", "token"]


class ReplyForm(_Posting):
    body = forms.CharField(
        label="Your reply",
        max_length=POST_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=BODY_HELP,
        error_messages={"required": "Write a reply first."},
    )
    field_order = ["body", "token"]


class QuestionEditForm(forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label="Details",
        max_length=POST_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=BODY_HELP,
    )


class ReplyEditForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=POST_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=BODY_HELP,
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Why hide it? Its author is told.",
        max_length=500,
        error_messages={"required": "Say why: the author is told."},
    )
