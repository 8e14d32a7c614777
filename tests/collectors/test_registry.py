"""The registry of sources is the one place a collector is known: the config file's sections, the fact sets
collected, the template ``holyaudit init`` writes and the order collectors run in all come from it."""

from __future__ import annotations

import subprocess
import sys

from holyaudit.collectors.registry import SOURCES
from holyaudit.config import SettingsModel, template
from holyaudit.facts import FACT_SETS


def test_every_fact_set_is_filled_by_exactly_one_registered_source() -> None:
    filled = [name for source in SOURCES for name in source.provides]
    assert sorted(filled) == sorted(FACT_SETS)


def test_the_config_file_has_the_sites_keys_and_one_section_per_source() -> None:
    sections = [source.section for source in SOURCES]
    assert sections == ["directory", "gpo", "endpoints", "mis"]
    assert set(SettingsModel.model_fields) == {"site", "profile", "rules", "waivers", "notify", *sections}


def test_the_collectors_run_directory_first_as_later_ones_read_it() -> None:
    assert [source.name for source in SOURCES] == ["directory", "gpo", "endpoints", "mis"]


def test_the_template_is_the_sites_part_then_each_sources_block() -> None:
    text = template()
    blocks = [source.template for source in SOURCES if source.template]
    assert len(blocks) == 3
    assert text.endswith("\n".join(blocks))
    assert text.startswith("# holyaudit site config")


def test_loading_the_config_loads_no_engine_and_no_collector_library() -> None:
    code = (
        "import sys, holyaudit.config as c; c.load_settings(None); "
        "print(sorted(m for m in sys.modules if m.startswith(('holyaudit.engine', 'ldap3', 'winrm', 'smbclient'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n"
