"""Where secrets come from, and that they never show themselves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from holyaudit.collectors.credentials import WITHHELD, CredentialError, Secret, SecretSource, find_secret, guarded

SOURCE = SecretSource(purpose="the directory bind user svc-audit", env_var="HOLYAUDIT_TEST_PASSWORD")


def test_environment_variable_comes_first(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HOLYAUDIT_TEST_PASSWORD", "from-env")
    assert find_secret(SOURCE, interactive=False).reveal() == "from-env"


def test_password_file_readable_only_by_its_owner(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("HOLYAUDIT_TEST_PASSWORD", raising=False)
    path = tmp_path / "ldap-password"
    path.write_text("from-file\n", encoding="utf-8")
    path.chmod(0o600)
    source = SecretSource(purpose=SOURCE.purpose, env_var=SOURCE.env_var, password_file=path)
    assert find_secret(source, interactive=False).reveal() == "from-file"


def test_password_file_readable_by_others_is_refused(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("HOLYAUDIT_TEST_PASSWORD", raising=False)
    path = tmp_path / "ldap-password"
    path.write_text("s3cret-in-file", encoding="utf-8")
    path.chmod(0o644)
    source = SecretSource(purpose=SOURCE.purpose, env_var=SOURCE.env_var, password_file=path)
    with pytest.raises(CredentialError, match=r"can be read by other users \(mode 0644\); run: chmod 600") as caught:
        find_secret(source, interactive=False)
    assert "s3cret-in-file" not in str(caught.value)
    assert caught.value.exit_code == 3


def test_unattended_with_no_secret_says_what_to_set(monkeypatch):
    monkeypatch.delenv("HOLYAUDIT_TEST_PASSWORD", raising=False)
    with pytest.raises(CredentialError, match="set HOLYAUDIT_TEST_PASSWORD, or a password file"):
        find_secret(SOURCE, interactive=False)


def test_secret_hides_itself():
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
    assert secret.reveal() == "hunter2"


def test_password_file_that_is_not_utf8_is_exit_3_without_echoing_it(run_cli, monkeypatch, tmp_path: Path):
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    secret = tmp_path / "ldap-password"
    secret.write_bytes("caf\u00e9-s3cret\n".encode("latin-1"))
    secret.chmod(0o600)
    config = config_naming_password_file(tmp_path)
    result = run_cli("scan", "--config", str(config), "--no-history")
    assert result.code == 3
    assert (
        f"error: password file {secret} for the directory bind user svc-audit@school.test is not UTF-8 text; "
        "save it as UTF-8"
    ) in " ".join(result.err.split())
    assert "s3cret" not in result.err + result.out


@pytest.mark.parametrize("password", ["e", "xp", "unexpected", "unexpected end of data"])
def test_library_text_holding_the_password_is_withheld_whole_never_masked_letter_by_letter(password: str):
    text = "unexpected end of data"
    assert guarded(text, Secret(password)) == WITHHELD
    assert guarded(text, None, Secret("Correct-Horse-Battery-9")) == text
    assert guarded(text) == text
    assert "*" not in WITHHELD


def test_an_empty_password_withholds_nothing():
    assert guarded("connection reset", Secret("")) == "connection reset"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_password_file_that_is_a_named_pipe_is_exit_3_at_once_naming_key_and_path(run_cli, monkeypatch, tmp_path: Path):
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    pipe = tmp_path / "ldap-password"
    os.mkfifo(pipe, 0o600)  # nothing ever writes to it: reading it the ordinary way would wait for ever
    config = config_naming_password_file(tmp_path)
    result = run_cli("scan", "--config", str(config), "--no-history")
    assert result.code == 3
    assert (
        f"error: directory.password_file: password file {pipe} for the directory bind user svc-audit@school.test: "
        "this is a named pipe (FIFO), not a regular file; give the path of a file"
    ) in " ".join(result.err.split())


def config_naming_password_file(folder: Path) -> Path:
    """A site config in ``folder`` whose directory account's password is in ``ldap-password`` beside it."""
    config = folder / "holyaudit.yaml"
    config.write_text(
        "directory:\n  server: 127.0.0.1\n  port: 1\n  base_dn: DC=school,DC=test\n"
        "  bind_user: svc-audit@school.test\n  password_file: ldap-password\n"
    )
    return config
