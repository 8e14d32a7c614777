"""A site config for the test DC whose endpoints are machines the WS-Management simulator serves."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from samba_dc import SambaDC
from seed import write_config

from holyaudit.winrm_sim import Fleet

sys.path.insert(0, str(Path(__file__).parents[1] / "endpoints"))
from endpoint_support import USER


def write_config_with_machines(dc: SambaDC, folder: Path, fleet: Fleet, ca_file: Path) -> Path:
    """``folder/holyaudit.yaml`` for this DC, its endpoints the fleet's machines listed in an inventory (not read
    from the directory), reached over HTTPS with basic auth as the simulator's account."""
    inventory = folder / "addresses.yaml"
    inventory.write_text(
        yaml.safe_dump({"hosts": [{"name": h.name, "address": h.address, "port": h.port} for h in fleet.hosts]})
    )
    config = write_config(dc, folder / "holyaudit.yaml")
    settings = yaml.safe_load(config.read_text())
    settings["endpoints"] = {
        "auth": "basic",
        "user": USER,
        "ca_file": str(ca_file),
        "from_directory": False,
        "inventory": str(inventory),
    }
    config.write_text(yaml.safe_dump(settings))
    return config
