"""Reporters: turn an AuditResult into text for people or machines. They never decide exit codes."""
