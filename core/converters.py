class IdConverter:
    """A database id in a URL: 1 to 18 digits, so no id overflows PostgreSQL's bigint (a 404, never a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
