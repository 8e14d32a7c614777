"""Nested group membership: each distinct memberOf worked out once, and every object given the same answer."""

from __future__ import annotations

from holyaudit.collectors.ldap.collector import Groups

YEAR7 = "CN=Year 7,OU=Groups,DC=holywell,DC=test"
PUPILS = "CN=Pupils,OU=Groups,DC=holywell,DC=test"
EVERYONE = "CN=Everyone,OU=Groups,DC=holywell,DC=test"
STAFF = "CN=Staff,OU=Groups,DC=holywell,DC=test"


def school() -> Groups:
    names = {g.casefold(): g.split(",")[0][3:] for g in (YEAR7, PUPILS, EVERYONE, STAFF)}
    parents = {YEAR7.casefold(): [PUPILS.casefold()], PUPILS.casefold(): [EVERYONE.casefold()]}
    parents[STAFF.casefold()] = [EVERYONE.casefold()]
    return Groups(names, parents)


def test_nested_groups_come_by_name_sorted_and_each_distinct_member_of_is_worked_out_once() -> None:
    groups = school()
    pupil = groups.of([YEAR7.encode()])
    assert pupil == ["Everyone", "Pupils", "Year 7"]
    assert groups.of([YEAR7.encode()]) is pupil  # the same memberOf: the answer already worked out
    assert groups.of([STAFF.encode(), YEAR7.encode()]) == ["Everyone", "Pupils", "Staff", "Year 7"]
    assert groups.of([b"CN=Unknown,DC=holywell,DC=test"]) == ["cn=unknown,dc=holywell,dc=test"]
    assert groups.of([]) == []
    assert groups.of([YEAR7.encode()]) == groups.closure([YEAR7])
    assert len(groups._known) == 4
