"""The estate's screen lock: the longest inactivity limit among the OUs that hold computers (pure).

Worked out by the Group Policy collector from each OU's policy, and again by the endpoint evidence once some OUs'
limits come from their machines; a module of its own so that the second need not import the first.
"""

from __future__ import annotations


def estate_lock(data: list[dict[str, object]]) -> int | str | None:
    """The longest inactivity limit among OUs holding computers; None if one has none; a reason if unknown."""
    longest = 0
    for record in data:
        unreadable = record.get("unreadable") or {}
        assert isinstance(unreadable, dict)
        if "error" in record or "computers" in unreadable:
            return f"{record['dn']}: {record.get('error') or unreadable['computers']}"
        if not record.get("computers"):
            continue
        if "inactivity_timeout_secs" in unreadable:
            return f"{record['dn']}: {unreadable['inactivity_timeout_secs']}"
        limit = record.get("inactivity_timeout_secs")
        if not isinstance(limit, int) or limit <= 0:
            return None
        longest = max(longest, limit)
    return longest or None
