"""Collectors: the only code that talks to directories, SYSVOL and endpoints. They return facts, never verdicts."""
