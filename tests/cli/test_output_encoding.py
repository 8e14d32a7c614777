"""Reports written whatever encoding stdout was given: a cp1252 pipe (a redirected Windows stdout) gets UTF-8,
and a terminal that cannot show a character gets a visible escape, never ``UnicodeEncodeError`` and exit 70."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest


def environment(encoding: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1", "COLUMNS": "80"}
    env.pop("HOLYAUDIT_DEBUG", None)
    return env


HOLYAUDIT = (sys.executable, "-m", "holyaudit")


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("table", "can sign in 19:00–06:00 every day, all year"),
        ("json", '"site":"Holywell Primary School (demo)"'),
        ("html", "<h1>Holywell Primary School (demo)</h1>"),
        ("junit", "§10 Passwords"),
        ("csv", "min_length ≥ 6"),
        ("markdown", "can sign in 19:00–06:00 every day, all year"),
    ],
)
def test_every_format_piped_with_a_cp1252_stdout_is_utf8_with_the_usual_exit_code(fmt, text):
    done = subprocess.run(
        [*HOLYAUDIT, "scan", "--demo", "--no-history", "--format", fmt],
        env=environment("cp1252"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.stderr == b""
    assert done.returncode == 1
    out = done.stdout.decode("utf-8")
    assert text in out


def test_a_terminal_that_cannot_show_a_character_gets_a_visible_escape():
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [*HOLYAUDIT, "scan", "--demo", "--no-history"], env=environment("ascii"), stdout=follower
    ) as process:
        os.close(follower)  # so the terminal reads as ended once the program has ended
        drawn = b""
        while chunk := _read(leader):
            drawn += chunk
        code = process.wait(timeout=120)
    os.close(leader)
    assert code == 1
    shown = drawn.decode("ascii")  # nothing but ASCII reached the terminal
    assert "holyaudit 0.1.0 \\xb7 profile holywell \\xb7 as of" in shown  # the middle dots, escaped
    assert "Holywell Primary School (demo)" in shown
    assert shown.rstrip().endswith("exit 1: non-compliant")


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal is closed once the program has ended and everything is read
        return b""
