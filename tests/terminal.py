"""Reading what a rich live display drew on a (forced) terminal."""

from __future__ import annotations

import re


def last_frame(drawn: str) -> list[str]:
    """The display's lines as last drawn before it was erased (it is transient), spaces squeezed, elapsed times
    as ``T`` and progress bars as ``BAR``."""
    shown = drawn.rsplit("\x1b[?25h", 1)[0]
    frame = re.split(r"\r(?:\x1b\[2K\x1b\[1A)*\x1b\[2K", shown)[-1]
    lines = [" ".join(line.split()) for line in frame.strip("\n").splitlines()]
    return [re.sub(r"━+╸?|╺?━+", "BAR", re.sub(r"\d+:\d\d:\d\d", "T", line)) for line in lines]
