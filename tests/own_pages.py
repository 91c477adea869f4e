"""For tests that count the queries of a logged-in page as it renders."""

import re

from lms.user_page_cache import user_pages_bump


def own_pages_renewed(user) -> None:
    """The user's next view of any page renders it again, as after any write of
    theirs (lms/user_page_cache.py keeps their pages whole); what other caches
    hold (the curriculum) stays warm."""
    user_pages_bump([user.pk])


def without_tokens(html: bytes) -> bytes:
    """A page without its forms' CSRF tokens: a page kept whole is served with a
    fresh token of the visitor's own each time."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
