"""Hypothesis profiles for the input fuzzers: ``ci`` (the default: small, deterministic, part of every run) and
``thorough`` (at least 10,000 examples per format; ``HYPOTHESIS_PROFILE=thorough``, see README.md)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # a shared 2-core machine: no example is failed for being slow
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=60, derandomize=True, database=None, **_COMMON)
settings.register_profile("thorough", max_examples=10_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
