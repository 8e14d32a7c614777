"""The directory collector asks for no attribute that holds a password or a key, whatever the rules read."""

from __future__ import annotations

from holyaudit.collectors.ldap import collector

SECRETS = {
    "unicodepwd", "userpassword", "dbcspwd", "ntpwdhistory", "lmpwdhistory", "supplementalcredentials",
    "ms-mcs-admpwd", "mslaps-password", "mslaps-encryptedpassword", "mslaps-encryptedpasswordhistory",
    "mslaps-encrypteddsrmpassword", "mslaps-encrypteddsrmpasswordhistory", "msfve-recoverypassword",
    "msfve-keypackage", "msds-managedpassword", "trustauthincoming", "trustauthoutgoing", "currentvalue",
    "priorvalue", "initialauthincoming", "initialauthoutgoing",
}  # fmt: skip
"""Attributes (lower case) holding a password, a password hash or a key, on Windows or Samba."""


def test_no_attribute_the_collector_can_request_holds_a_secret() -> None:
    requested = {
        *collector._DOMAIN_ATTRS,
        *collector._PSO_ATTRS,
        *(a for attributes in collector._USER_FIELDS.values() for a in attributes),
        *(a for attributes in collector._COMPUTER_FIELDS.values() for a in attributes),
    }
    assert "msDS-PasswordReversibleEncryptionEnabled" in requested  # the setting, never what it stores
    assert not {a.lower() for a in requested} & SECRETS
