"""Which directory text looks like a recorded password: the documented patterns and a site's own."""

from __future__ import annotations

import pytest

from holyaudit.collectors.ldap.password_text import PasswordText

RECORDED = [
    "password: Summer2024",
    "Password = Summer2024",
    "pwd=Summer2024",
    "Backup job. PWD:Summer2024",
    "pw is Summer2024",
    "the password was Summer2024",
    "passwd - Summer2024",
    "Pass: Summer2024",
    "temp password Welcome1",
    "Initial PW Welcome1",
    "local admin password Welcome1",
    "PIN: 1234",
    "pin is 0000",
]
NOT_RECORDED = [
    "IT technician's admin account; password reset by IT only",
    "Password never expires (exam kiosk)",
    "password-protected share",
    "bypass: proxy for the hall display",
    "compass = north",
    "Year 6 pupil",
    "Spinning: 3",
    "",
]


@pytest.mark.parametrize("text", RECORDED)
def test_a_written_down_password_is_found(text: str) -> None:
    assert PasswordText().found_in({"description": [text.encode()]}) == ["description"]


@pytest.mark.parametrize("text", NOT_RECORDED)
def test_text_that_only_mentions_passwords_is_not(text: str) -> None:
    assert PasswordText().found_in({"description": [text.encode()]}) == []


def test_each_attribute_is_named_in_order_and_every_value_counts() -> None:
    raw = {"comment": [b"pwd=x"], "description": [b"Hall PC", b"password: x"], "info": [b"Year 6"]}
    assert PasswordText().found_in(raw) == ["description", "comment"]


def test_a_site_pattern_adds_to_the_documented_ones() -> None:
    raw = {"info": [b"code word Otter-Lake-12"]}
    assert PasswordText().found_in(raw) == []
    assert PasswordText(["(?i)code word"]).found_in(raw) == ["info"]


def test_other_attributes_are_never_looked_at() -> None:
    assert PasswordText().found_in({"displayname": [b"password: x"], "title": [b"pwd=x"]}) == []
