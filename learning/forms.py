from django import forms

from learning.uploads import ALLOWED_EXTENSIONS_DISPLAY, submission_file_check


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label="Your answer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=50_000,
    )
    file = forms.FileField(
        label="File",
        required=False,
        help_text=f"Optional. At most 10 MB: {ALLOWED_EXTENSIONS_DISPLAY}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt,.txt,.zip,.png,.jpg,.jpeg"}),
    )

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file:
            self.file_type = submission_file_check(file)
        else:
            self.file_type = None
        return file
