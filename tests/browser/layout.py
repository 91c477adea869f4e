"""Layout measurements for the browser tests."""

WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


def settled_widths(page, *, attempts: int = 30) -> tuple[int, int]:
    """(the page's scroll width, the window's width) once the page fits or ~3 s have
    passed: read at once after a navigation or a resize, the previous layout may
    still answer. Polled from Python: the Content-Security-Policy forbids the
    string evaluation Playwright's wait_for_function would use in the page."""
    scroll_width, inner_width = page.evaluate(WIDTHS)
    for _ in range(attempts):
        if scroll_width <= inner_width:
            break
        page.wait_for_timeout(100)
        scroll_width, inner_width = page.evaluate(WIDTHS)
    return scroll_width, inner_width
