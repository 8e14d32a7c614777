"""Many sites from one seat: the fleet file, running its sites, and the overview across them (docs/fleet.md)."""
