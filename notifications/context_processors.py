from notifications.selectors import notifications_unread_count


def notifications(request) -> dict:
    """The unread badge in the header of every page: one indexed COUNT, and
    only when a template actually shows it (the value is lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    class _LazyCount:
        _value = None

        def __int__(self):
            if self._value is None:
                self._value = notifications_unread_count(user=user)
            return self._value

        def __str__(self):
            return str(int(self))

        def __bool__(self):
            return int(self) > 0

    return {"unread_notifications": _LazyCount()}
