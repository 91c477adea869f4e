"""The `<id:…>` path converter: a database id in a URL. Like Django's `<int:…>`,
but at most 18 digits, so a number beyond any 64-bit id matches no URL (a 404)
instead of reaching a query (SQLite cannot bind it: a 500). Registered in
`LmsConfig.ready`, before the URL conf is first loaded."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
