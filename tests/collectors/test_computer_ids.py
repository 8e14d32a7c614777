"""Computer ids: the sAMAccountName without its "$", unique where cns repeat, the whole name or DN where even
that would repeat."""

from __future__ import annotations

from holyaudit.collectors.ldap.computer_ids import Account, computer_ids

BASE = "DC=school,DC=test"


def test_ordinary_machines_keep_their_cn_as_id() -> None:
    accounts = [Account(f"CN=PC01,OU=A,{BASE}", "PC01", "PC01$"), Account(f"CN=PC02,OU=A,{BASE}", "PC02", "PC02$")]
    assert computer_ids(accounts) == ["PC01", "PC02"]


def test_one_cn_in_two_ous_gives_each_its_sam_account_name() -> None:
    accounts = [Account(f"CN=PC01,OU=A,{BASE}", "PC01", "PC01$"), Account(f"CN=PC01,OU=B,{BASE}", "PC01", "LAB01$")]
    assert computer_ids(accounts) == ["PC01", "LAB01"]


def test_names_equal_once_the_dollar_is_dropped_keep_their_whole_sam_account_name() -> None:
    accounts = [
        Account(f"CN=PC01,OU=A,{BASE}", "PC01", "PC01$"),
        Account(f"CN=Odd,OU=B,{BASE}", "Odd", "pc01"),  # an administrator may leave the "$" off
        Account(f"CN=PC02,OU=B,{BASE}", "PC02", "PC02$"),
    ]
    assert computer_ids(accounts) == ["PC01$", "pc01", "PC02"]


def test_an_unreadable_sam_account_name_falls_back_to_the_cn_then_the_dn() -> None:
    accounts = [
        Account(f"CN=PC01,OU=A,{BASE}", "PC01", None),
        Account(f"CN=PC02,OU=A,{BASE}", "PC02", None),
        Account(f"CN=PC01,OU=B,{BASE}", "PC01", None),
    ]
    assert computer_ids(accounts) == [f"CN=PC01,OU=A,{BASE}", "PC02", f"CN=PC01,OU=B,{BASE}"]
