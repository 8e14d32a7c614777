"""Records given the same fields share one set of given field names, and behave exactly as before."""

from __future__ import annotations

from holyaudit.collectors.ldap.collector import SharedFieldsSets
from holyaudit.facts import User


def test_users_given_the_same_fields_share_one_set_and_keep_what_pydantic_reports() -> None:
    share = SharedFieldsSets()
    a = User.model_validate({"id": "a", "enabled": True, "unreadable": {}})
    b = User.model_validate({"id": "b", "enabled": False, "unreadable": {}})
    c = User.model_validate({"id": "c", "uac": 512})
    for user in (a, b, c):
        share(user)

    assert a.model_fields_set is b.model_fields_set
    assert b.model_fields_set == {"id", "enabled", "unreadable"}
    assert c.model_fields_set == {"id", "uac"}
    assert c.model_fields_set is not a.model_fields_set
    assert b.model_dump(exclude_unset=True) == {"id": "b", "enabled": False, "unreadable": {}}
    changed = a.model_copy(update={"uac": 2})
    assert changed.model_fields_set == {"id", "enabled", "unreadable", "uac"}
    assert b.model_fields_set == {"id", "enabled", "unreadable"}
