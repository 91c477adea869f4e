"""What an author writes in Markdown cannot dress itself up as the site's own
interface: no class, style or id survives (the site's stylesheet gives those
their look), links to other hosts are marked nofollow/noopener, links to this
site are plain links, and nothing is loaded from another host (the site's
Content-Security-Policy would block it anyway)."""

import pytest

from lms.markdown import render_markdown, render_user_markdown

RENDERERS = [render_markdown, render_user_markdown]

DRESSED_UP = [
    '<span class="button">Buy now</span>',
    '<div class="messages message-success">Payment received</div>',
    '<a class="button" href="/courses/">Enroll</a>',
    '<code class="badge">3</code>',
    '<p style="position:fixed;top:0">Log in again</p>',
    '<span id="main">x</span>',
    '<div id="checkout" class="locked-box">Enter your card</div>',
    '<a href="/x" target="_blank">new tab</a>',
    '<a href="https://evil.example/" rel="opener">x</a>',
]


@pytest.mark.parametrize("render", RENDERERS)
@pytest.mark.parametrize("payload", DRESSED_UP)
def test_no_class_style_id_or_target_survives(render, payload):
    html = str(render(f"Before\n\n{payload}\n\nAfter")).lower()
    assert "before" in html and "after" in html
    for attribute in ("class=", "style=", "id=", "target=", 'opener"'):
        assert attribute not in html, f"{attribute!r} survived in {html!r}"


@pytest.mark.parametrize("render", RENDERERS)
def test_fenced_code_keeps_its_text_but_not_its_class(render):
    html = str(render("```python\nx = 1\n```\n"))
    assert "x = 1" in html
    assert "class=" not in html


@pytest.mark.parametrize(
    ("render", "rel"),
    [(render_markdown, "noopener nofollow"), (render_user_markdown, "noopener nofollow ugc")],
)
def test_links_to_other_hosts_are_nofollow_and_links_here_are_not(render, rel):
    html = str(
        render("[out](https://www.djangoproject.com/) [proto](//evil.example/x) [here](/courses/) [top](#q)")
    )
    assert f'<a href="https://www.djangoproject.com/" rel="{rel}">out</a>' in html
    assert f'<a href="//evil.example/x" rel="{rel}">proto</a>' in html
    assert '<a href="/courses/">here</a>' in html
    assert '<a href="#q">top</a>' in html


def test_links_to_the_sites_own_origin_are_not_nofollow(settings):
    settings.SITE_URL = "https://doctrina.example.com"
    html = str(
        render_user_markdown("[a lesson](https://doctrina.example.com/courses/x/) [b](https://evil.example/)")
    )
    assert '<a href="https://doctrina.example.com/courses/x/">a lesson</a>' in html
    assert '<a href="https://evil.example/" rel="noopener nofollow ugc">b</a>' in html


def test_a_link_title_with_quotes_and_brackets_stays_one_attribute():
    html = str(render_markdown('<a href="https://evil.example/" title="a > b &quot;c&quot;">x</a>'))
    assert 'rel="noopener nofollow"' in html
    assert html.count("<a ") == 1


def test_images_from_other_hosts_are_not_loaded():
    html = str(render_markdown("![pixel](https://tracker.example/p.gif) ![local](/static/img/favicon.svg)"))
    assert "tracker.example" not in html
    assert 'src="/static/img/favicon.svg"' in html
