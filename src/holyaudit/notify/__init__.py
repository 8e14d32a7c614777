"""Telling people when a school gets worse: one email per run, when the site's config asks for it
(docs/notifications.md)."""
