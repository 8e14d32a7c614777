"""Run history: every scan's per-object results in a local SQLite database, and the drift between runs."""
