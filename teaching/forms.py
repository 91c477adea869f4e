"""An instructor's own public profile (their page, /instructors/<slug>/)."""

from django import forms

from lms.models import User


class InstructorProfileForm(forms.ModelForm):
    """Name, title, bio and photo; the photo is checked by the model field's
    validator (lms/images.py) and cropped by `lms.services.user_profile_save`."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "title", "bio", "photo"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8, "maxlength": 5000}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }
        help_texts = {"bio": "Plain text; a blank line starts a new paragraph. At most 5,000 characters."}

    def clean_bio(self) -> str:
        bio = self.cleaned_data["bio"].strip()
        if len(bio) > 5000:
            raise forms.ValidationError("At most 5,000 characters, please.")
        return bio
