"""Markdown rendered to HTML and sanitised with nh3: instructors' course
content (`render_markdown`), and the smaller subset students write in reviews
and discussions (`render_user_markdown`: text, emphasis, lists, quotes, code
and links; no images, headings or tables).

Neither keeps an attribute that would let an author dress text up as the
site's own interface: no `class`, `style`, `id` or `target` (the site's
stylesheet gives classes their look: a `<span class="button">` would be a fake
button). Links to other hosts get `rel="noopener nofollow"` (plus `ugc` for
students' text); links to this site stay plain links. Images load only from
this site: the Content-Security-Policy (`img-src 'self'`) would block any
other host, and an instructor's page must not carry a tracking pixel.

Sanitising happens after rendering, on the HTML, so raw HTML inside the
Markdown gets the same treatment as generated HTML."""

import html as html_lib
import re
from functools import lru_cache
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from django.conf import settings
from django.utils.html import linebreaks, urlize
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
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

USER_TAGS = {"a", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "s", "strong", "ul"}
USER_ATTRIBUTES = {"a": {"href", "title"}}

AUTHOR_LINK_REL = "noopener nofollow"
USER_LINK_REL = "noopener nofollow ugc"

# Plain text with its URLs turned into links (`render_user_text`).
TEXT_TAGS = {"a", "br", "p"}

# An <a> start tag as nh3 writes it: every attribute double-quoted, a `"` inside
# a value escaped, so a `>` inside a title cannot end the match early.
_A_TAG = re.compile(r'<a((?: [a-z-]+="[^"]*")*)>')
_HREF = re.compile(r' href="([^"]*)"')


def _is_other_host(url: str, own_host: str) -> bool:
    """True for an absolute or protocol-relative URL (`//host/`) whose host is not the site's."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True
    if parts.scheme not in ("", "http", "https") or not parts.netloc:
        return False  # a path, a fragment, mailto:
    return (parts.hostname or "") != own_host


def _img_src_here_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and _is_other_host(value, own_host=""):
        return None  # relative URLs only: this site's own files
    return value


def _mark_outbound_links(html: str, *, rel: str, own_host: str) -> str:
    def replace(match: re.Match) -> str:
        attributes = match.group(1)
        href = _HREF.search(attributes)
        if href is None or not _is_other_host(html_lib.unescape(href.group(1)), own_host):
            return match.group(0)
        return f'<a{attributes} rel="{rel}">'

    return _A_TAG.sub(replace, html)


@lru_cache(maxsize=256)
def _render(text: str, *, user_text: bool = False, own_host: str = "") -> str:
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=USER_TAGS if user_text else ALLOWED_TAGS,
        attributes=USER_ATTRIBUTES if user_text else ALLOWED_ATTRIBUTES,
        attribute_filter=_img_src_here_only,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,  # set below, for links that leave the site only
    )
    return _mark_outbound_links(
        cleaned, rel=USER_LINK_REL if user_text else AUTHOR_LINK_REL, own_host=own_host
    )


def _own_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or ""


def render_markdown(text: str) -> SafeString:
    """Rendered and sanitised HTML. Memoised per process by the text itself
    (a course page renders the same description on every view), so an edit
    is never served stale."""
    return mark_safe(_render(text or "", own_host=_own_host()))  # noqa: S308 - nh3 has sanitised it


def render_user_markdown(text: str) -> SafeString:
    """What a student wrote (a review, a reply, a post), rendered in the small
    subset and sanitised. Memoised like `render_markdown`."""
    return mark_safe(_render(text or "", user_text=True, own_host=_own_host()))  # noqa: S308 - nh3 has sanitised it


@lru_cache(maxsize=256)
def _render_text(text: str, *, own_host: str) -> str:
    # urlize escapes everything it does not turn into a link; nh3 then keeps
    # only paragraphs, line breaks and hrefs of the allowed schemes.
    html = linebreaks(urlize(text, nofollow=False, autoescape=True), autoescape=False)
    cleaned = nh3.clean(
        html,
        tags=TEXT_TAGS,
        attributes=USER_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,  # set below, for links that leave the site only
    )
    return _mark_outbound_links(cleaned, rel=USER_LINK_REL, own_host=own_host)


def render_user_text(text: str) -> SafeString:
    """Plain text a student wrote (an assignment answer) as HTML: paragraphs
    and line breaks as typed, every URL a link (other hosts' with
    `rel="noopener nofollow ugc"`), nothing read as Markdown or HTML."""
    return mark_safe(_render_text(text or "", own_host=_own_host()))  # noqa: S308 - nh3 has sanitised it
