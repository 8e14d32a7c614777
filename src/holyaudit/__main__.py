"""Allows ``python -m holyaudit``."""

from holyaudit.cli.main import main

raise SystemExit(main())
