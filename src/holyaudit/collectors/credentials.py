"""Finding a password without ever taking it on the command line, and keeping it out of output.

Sources, in order: an environment variable, a password file that only its owner can read, the system
keyring (when the optional ``keyring`` package is installed), and a prompt when standard input is a
terminal. Unattended runs with none of these stop with exit code 3 and say what to set.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from holyaudit.errors import ExitCode, HolyauditError, InvalidInputError
from holyaudit.inputfile import read_regular_file
from holyaudit.oscompat import password_file_problem

PASSWORD_FILE_LIMIT = 64 * 1024
"""The most read from a password file: far more than any password, far less than a mistaken path could fill."""


class CredentialError(HolyauditError):
    """No usable secret: a configuration problem, so nothing is audited."""

    exit_code = ExitCode.INVALID_INPUT


class Secret:
    """A password that does not show itself in repr(), str(), logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


WITHHELD = "(its words are not shown: the password occurs in them)"


def guarded(text: str, *secrets: Secret | None) -> str:
    """``text`` from a library (an exception's message, a server's answer), or ``WITHHELD`` in its place when a
    secret occurs in it.

    Messages are built so that a secret is never put into them: from an exception's type and fields that hold no
    credentials. This is only the last guard against a library's surprise, so it gives the text whole or nothing:
    masking each occurrence would spell a short secret out by the letters around it (``un********xp...``).
    """
    for secret in secrets:
        if secret is not None and (value := secret.reveal()) and value in text:
            return WITHHELD
    return text


@dataclass(frozen=True)
class SecretSource:
    """Where to look for one secret."""

    purpose: str
    """What it is for, in words: 'the directory bind password'."""
    env_var: str
    password_file: Path | None = None
    file_key: str = "password_file"
    """The config key that named ``password_file``, for messages: 'directory.password_file'."""
    keyring_service: str = "holyaudit"
    keyring_user: str | None = None


def find_secret(source: SecretSource, *, interactive: bool | None = None) -> Secret:
    if value := os.environ.get(source.env_var):
        return Secret(value)
    if source.password_file is not None:
        return Secret(_read_password_file(source.password_file, source.purpose, source.file_key))
    if source.keyring_user and (value := _from_keyring(source.keyring_service, source.keyring_user)):
        return Secret(value)
    if interactive if interactive is not None else sys.stdin.isatty():
        value = getpass.getpass(f"{source.purpose[0].upper()}{source.purpose[1:]}: ")
        if value:
            return Secret(value)
    raise CredentialError(
        f"no password for {source.purpose}: set {source.env_var}, or a password file in the config "
        "(never on the command line)"
    )


def _read_password_file(path: Path, purpose: str, key: str) -> str:
    try:
        if problem := password_file_problem(path):
            raise CredentialError(f"password file {path} for {purpose} {problem}")
        # Through the one regular-file reader: a named pipe would wait for a writer for ever, a device never end.
        value = read_regular_file(path, PASSWORD_FILE_LIMIT).decode("utf-8").rstrip("\r\n")
    except InvalidInputError as exc:  # its messages name the file and what it is, never what it holds
        reasons = "; ".join(problem.message for problem in exc.problems)
        raise CredentialError(f"{key}: password file {path} for {purpose}: {reasons}") from None
    except OSError as exc:
        raise CredentialError(f"cannot read password file {path} for {purpose}: {exc.strerror}") from None
    except UnicodeDecodeError:  # its message quotes the bytes it stopped at: part of the password
        raise CredentialError(f"password file {path} for {purpose} is not UTF-8 text; save it as UTF-8") from None
    if not value:
        raise CredentialError(f"password file {path} for {purpose} is empty")
    return value


def _from_keyring(service: str, user: str) -> str | None:
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]  # optional extra
    except ImportError:
        return None
    try:
        value = keyring.get_password(service, user)
    except Exception:  # any keyring backend failure means "not found here"; other sources remain
        return None
    return value if isinstance(value, str) and value else None
