"""THE rule "which version is in force on day D", as SQL (plans.selectors.figures_on is the same rule in
Python). A version is in force from its `effective_from` (inclusive) until the next version of the same
identity takes effect (`valid_until`, exclusive; null for the latest). The night joins on these ranges,
set-based: `JOIN (POLICY_VERSIONS) v ON v.storage_policy_id = ... AND in_force("v", "<day expression>")`.
The catalogue tables are tiny, so the window over them costs nothing next to the usage rows."""

from __future__ import annotations


def version_ranges(table: str, identity: str) -> str:
    """Every version of `table` with its validity range [effective_from, valid_until)."""
    return (
        f"SELECT v.*, lead(v.effective_from) OVER (PARTITION BY v.{identity} ORDER BY v.effective_from)"
        f" AS valid_until FROM {table} v"
    )


def in_force(alias: str, day: str) -> str:
    """SQL condition: the version `alias` (from a `version_ranges` relation) is in force on `day` (a column
    or a placeholder, never user input)."""
    return f"({alias}.effective_from <= {day} AND ({alias}.valid_until IS NULL OR {alias}.valid_until > {day}))"


def versions_on(table: str, identity: str, day: str) -> str:
    """The version of each identity in force on one `day` (a placeholder): the greatest effective_from on or
    before it. One row per identity, which the planner estimates well (a filtered range relation it does not)."""
    return (
        f"SELECT DISTINCT ON (v.{identity}) v.* FROM {table} v WHERE v.effective_from <= {day}"
        f" ORDER BY v.{identity}, v.effective_from DESC"
    )


# PAYG price and conversion factor of each storage policy, with validity ranges (any day: e.g. each package's
# catalogue day) and on the night's day.
POLICY_VERSIONS = version_ranges("plans_storagepolicyversion", "storage_policy_id")
POLICY_VERSIONS_ON_DAY = versions_on("plans_storagepolicyversion", "storage_policy_id", "%(day)s")
