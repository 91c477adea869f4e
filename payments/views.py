import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from enrollments.policies import courses_visible_to
from payments.models import WebhookEvent
from payments.services import checkout as checkout_services
from payments.services import receive as receive_services
from payments.services import success as success_services
from payments.services import webhook as webhook_services

logger = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300


def _site_url(request: HttpRequest) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


@require_POST
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(courses_visible_to(request.user), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(course.get_absolute_url())
    if course.is_free:
        return redirect(course)
    try:
        start = checkout_services.checkout_start(
            user=request.user, course=course, site_url=_site_url(request)
        )
    except checkout_services.PaymentsNotConfigured:
        return render(request, "payments/not_configured.html", {"course": course}, status=503)
    except checkout_services.AlreadyEnrolled:
        messages.info(request, "You are already enrolled in this course.")
        return redirect(course)
    except checkout_services.CheckoutRefused as refusal:
        messages.error(request, f"{refusal} Nothing was charged.")
        return redirect(course)
    except checkout_services.PriceNotChargeable:
        messages.error(request, "This course cannot be bought at the moment. Nothing was charged.")
        return redirect(course)
    except checkout_services.PaymentInProgress:
        messages.info(
            request, "Your payment for this course is being processed; we will notify you when it completes."
        )
        return redirect(course)
    except checkout_services.CheckoutUnavailable:
        messages.error(
            request,
            "We could not reach our payment provider. Nothing was charged; please try again in a moment.",
        )
        return redirect(course)
    response = HttpResponseRedirect(start.url)
    response.status_code = 303  # see other: the browser GETs Stripe's page
    return response


def _is_event(event: object) -> bool:
    """Shaped like a Stripe event: string id and type that fit their columns, and a
    `data.object` mapping for the handlers. Anything else would crash the work (a
    500 that Stripe retries for days) rather than be refused."""
    if not isinstance(event, dict):
        return False
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    return (
        isinstance(event_id, str)
        and 0 < len(event_id) <= WebhookEvent._meta.get_field("stripe_event_id").max_length
        and isinstance(event_type, str)
        and 0 < len(event_type) <= WebhookEvent._meta.get_field("type").max_length
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


@csrf_exempt
@transaction.non_atomic_requests  # the event's record must survive a rollback of its work
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        # 503, not the 400 of a bad signature: the sender is not at fault, this server is
        # not set up (check --deploy warns, payments.W001). Stripe retries any non-2xx for
        # up to three days, so events sent before the secret is set still arrive once it
        # is. Nothing can be verified, so nothing is written.
        logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is empty")
        return HttpResponse("Payments are not configured", status=503, content_type="text/plain")
    try:
        payload = request.body.decode("utf-8")
        # stripe-python's own check (what Webhook.construct_event runs), on the raw body.
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature"), secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        logger.warning("Stripe webhook rejected: %s", exc)
        return HttpResponseBadRequest("Invalid payload or signature", content_type="text/plain")
    # Text the database refuses is replaced before anything is stored; such an event is
    # stored as failed for good (answered 200: it would fail on every retry).
    event, rejected = webhook_services.webhook_event_clean(event)
    if not _is_event(event):
        logger.warning("Stripe webhook rejected: a signed body that is not an event")
        return HttpResponseBadRequest("Not a Stripe event", content_type="text/plain")
    outcome = receive_services.webhook_receive(event=event, rejected=rejected)
    if outcome == webhook_services.WebhookOutcome.RETRY:
        return HttpResponse("Temporary failure, please retry", status=500, content_type="text/plain")
    return HttpResponse(outcome.value, content_type="text/plain")


@never_cache
@login_required
@require_safe
def success(request: HttpRequest) -> HttpResponse:
    result = success_services.checkout_success(
        user=request.user, session_id=request.GET.get("session_id", "")
    )
    status = 404 if result.state == success_services.SuccessState.NOT_FOUND else 200
    return render(request, "payments/success.html", {"result": result}, status=status)
