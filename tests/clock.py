"""The fixed clock of tests that depend on "today" (docs/RULES-proof.md).

Use the time-machine marker, which travels before the test's fixtures are built:

    @pytest.mark.time_machine(FIXED_NOW)
    def test_something_about_today(account): ...

8:00 UTC is 16:00 in Asia/Shanghai and 04:00 in New York: no account's day turns over while a test runs. The
catalogue's first versions date from 2000, and a usage record of any month lands in its partition or the
default one, so any fixed day works; this one is shared so that failures are easy to reproduce."""

from __future__ import annotations

from datetime import UTC, datetime

FIXED_NOW = datetime(2026, 3, 11, 8, tzinfo=UTC)

# For a test that writes dated catalogue versions: the database's freeze triggers compare with PostgreSQL's own
# clock, which time-machine cannot move, and refuse a version dated before it. A fixed day after any real one
# keeps "today" fixed in Python and still in the future for the database.
FIXED_FUTURE_NOW = datetime(2099, 3, 11, 8, tzinfo=UTC)
