"""Headless Chromium and poppler as the HTML report tests use them: Chromium run from the command line (load,
dump the DOM, screenshot, print to PDF), the printed pages' text (pdftotext) and images (pdftoppm), and a PNG's
size and colours read without an imaging library."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",  # the test suite runs as root in CI containers, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
WIDTH, HEIGHT = 1280, 2000


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not installed: run scripts/bootstrap (as root) to install the Debian packages the tests need"
        )
    return path


def run_chromium(page: Path, work: Path, *action: str) -> str:
    """Load ``page`` in a fresh profile, do ``action`` and return stdout; fail on any console line but those of
    Chromium's own pages (``chrome://``), which a loaded machine can make log "Slow network is detected"."""
    profile = tempfile.mkdtemp(prefix="profile-", dir=work)
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *action, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    console = [
        line
        for line in done.stderr.splitlines()
        if (":CONSOLE" in line or "Uncaught" in line) and "source: chrome://" not in line
    ]
    assert console == [], "\n".join(console)
    return done.stdout


def png_size_and_colours(png: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the decompressed pixels (1-2 for a blank page)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    position, data = 8, b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            data += png[position + 8 : position + 8 + length]
        position += 12 + length
    return width, height, len(set(zlib.decompress(data)))


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: run scripts/bootstrap (as root) to install poppler-utils")
    return path


def print_to_pdf(page: Path, work: Path) -> Path:
    """``page`` printed by Chromium as a user would print it (its own page size, margins and headers)."""
    pdf = work / "printed.pdf"
    run_chromium(page, work, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    """Each printed page's text, whitespace squeezed."""
    pages = []
    for number in range(1, 1000):
        done = subprocess.run(
            [poppler("pdftotext"), "-f", str(number), "-l", str(number), str(pdf), "-"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:  # past the last page
            break
        pages.append(" ".join(done.stdout.split()))
    return pages


def page_images(pdf: Path, work: Path, dpi: int) -> list[bytes]:
    """Every page of ``pdf`` drawn by pdftoppm at ``dpi``, as PNG."""
    prefix = work / "page"
    subprocess.run([poppler("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=300)
    return [path.read_bytes() for path in sorted(work.glob("page-*.png"))]
