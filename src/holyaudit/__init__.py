"""holyaudit: a compliance auditor for Windows / Active Directory school networks."""

__version__ = "0.1.0"
