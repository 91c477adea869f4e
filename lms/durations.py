def format_duration(seconds: int | None) -> str:
    """Seconds as a clock: 75 -> "1:15", 3725 -> "1:02:05"."""
    seconds = max(int(seconds or 0), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
