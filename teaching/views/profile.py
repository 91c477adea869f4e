"""An instructor edits their public profile (/teach/profile/); staff edit
anyone's in the admin. Anyone who does not teach gets the friendly 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from lms.models import User
from lms.services import user_profile_save
from teaching.forms import InstructorProfileForm
from teaching.policies import can_teach


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile(request):
    if not can_teach(request.user):
        raise Http404("No such page")
    # The form edits a copy: a refused form must not change the name in the page's header.
    user = User.objects.get(pk=request.user.pk)
    if request.method != "POST":
        form = InstructorProfileForm(instance=user)
    else:
        form = InstructorProfileForm(request.POST, request.FILES, instance=user)
    if form.is_bound and form.is_valid():
        user_profile_save(user=form.save(commit=False))
        messages.success(request, "Your profile is saved.")
        return redirect(reverse("teaching:profile"))
    # What is saved (the form's instance holds a refused upload).
    return render(request, "teaching/profile.html", {"form": form, "profile_user": request.user})
