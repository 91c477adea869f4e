"""Writes about purchases, one module per stage of a sale:

* `checkout` — start (or resume) paying for a course through Stripe Checkout;
* `fulfilment` — complete a paid Checkout Session exactly once and grant the
  course; close a session that failed or expired;
* `refunds`, `disputes` — what Stripe's later events take back or give back
  (`access` holds what both need: the locks and withdrawing access);
* `webhook` — the ledger of Stripe's events and their dispatch to the above;
* `receive` — what the webhook does with an event: stored, then done in the
  request or queued for a job worker (`payments.tasks`);
* `success` — the page the buyer returns to from Stripe;
* `notices` — every text a buyer reads about a payment (notifications, receipt).

Stripe's "Fulfill orders" guide is followed literally: one idempotent
`fulfilment.purchase_fulfil` is called by the webhook and by the success page,
in any order and at the same moment. Its guarantees rest on the database: the
unique Checkout Session id, the unique (user, course) enrollment, and row
locks taken in one order everywhere: webhook event, then purchase, then
enrollment."""
