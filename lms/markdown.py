"""Markdown rendered to HTML and sanitised with nh3: instructors' course
content (`render_markdown`), and the smaller subset students write in reviews
and discussions (`render_user_markdown`: text, emphasis, lists, quotes, code
and links; no images, headings, tables, classes or styles, so nobody can
dress their words up as the site's own interface or load a tracking pixel).

Sanitising happens after rendering, on the HTML, so raw HTML inside the
Markdown gets the same treatment as generated HTML."""

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

USER_TAGS = {"a", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "s", "strong", "ul"}
USER_ATTRIBUTES = {"a": {"href", "title"}}


@lru_cache(maxsize=256)
def _render(text: str, *, user_text: bool = False) -> str:
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=USER_TAGS if user_text else ALLOWED_TAGS,
        attributes=USER_ATTRIBUTES if user_text else ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow ugc" if user_text else "noopener nofollow",
    )
    return cleaned


def render_markdown(text: str) -> SafeString:
    """Rendered and sanitised HTML. Memoised per process by the text itself
    (a course page renders the same description on every view), so an edit
    is never served stale."""
    return mark_safe(_render(text or ""))  # noqa: S308 - nh3 has sanitised it


def render_user_markdown(text: str) -> SafeString:
    """What a student wrote (a review, a reply, a post), rendered in the small
    subset and sanitised. Memoised like `render_markdown`."""
    return mark_safe(_render(text or "", user_text=True))  # noqa: S308 - nh3 has sanitised it
