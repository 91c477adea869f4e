"""Lengths of lessons and courses as students read them. (No page shows a
position in a video, so there is no clock form: add one beside this when one does.)"""


def format_duration_words(seconds: int | None) -> str:
    """A length in words, as course sites write it: 24_120 -> "6 h 42 min",
    720 -> "12 min", 45 -> "45 s", 7200 -> "2 h". Seconds are dropped from a
    minute on (rounded to the nearest minute, never down to "0 min")."""
    seconds = max(int(seconds or 0), 0)
    if seconds == 0:
        return "0 min"  # nothing timed yet: "0 s" would read like a measurement
    if seconds < 60:
        return f"{seconds} s"
    minutes = (seconds + 30) // 60
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
