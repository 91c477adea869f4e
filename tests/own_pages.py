"""For tests that count the queries of a logged-in page as it renders."""

from lms.user_page_cache import user_pages_bump


def own_pages_renewed(user) -> None:
    """The user's next view of any page renders it again, as after any write of
    theirs (lms/user_page_cache.py keeps their pages whole); what other caches
    hold (the curriculum) stays warm."""
    user_pages_bump([user.pk])
