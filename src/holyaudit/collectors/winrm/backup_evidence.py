r"""Backup evidence a site declares for servers another product backs up (``endpoints.backup_evidence``).

A declaration is a scheduled task the product runs (its last result and run time) or a file the product writes
when a backup succeeds (its age). The first declaration that applies to a machine is that machine's evidence;
a machine none applies to is judged by Windows Server Backup, as before. Declarations reach the backup probe as
JSON inside one single-quoted PowerShell literal (``probe_parameters``), never as code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from holyaudit.collectors.winrm.probes import MAX_COMMAND_LINE, PROBES, Probe
from holyaudit.patterns import Pattern, compile_pattern
from holyaudit.sections import Section, compiled_pattern

MAX_PATH = 260
"""Windows' classic path limit; a longer task or file path is refused at load rather than sent."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Task Scheduler keeps each task as a file under %SystemRoot%\System32\Tasks, so a task's folders and name follow
# file-name rules: none of \ / : * ? " < > | (https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file).
_NOT_IN_TASK_NAMES = re.compile(r'[/:*?"<>|]')
_NOT_IN_FILE_PATHS = re.compile(r'[/*?"<>|]')
_LOCAL_PATH = re.compile(r"[A-Za-z]:\\[^:]+")


class BackupEvidence(Section):
    """One declared piece of backup evidence, and the machines it applies to."""

    name: str | None = Field(
        default=None, min_length=1, max_length=80, description="How findings name it, e.g. the backup product."
    )
    task: str | None = Field(
        default=None,
        description=r"A scheduled task's full path as Task Scheduler shows it, e.g. \Veeam\Nightly backup.",
    )
    file: str | None = Field(
        default=None, description=r"A file on the machine the product writes on success, e.g. D:\Backup\last-ok.txt."
    )
    hosts: list[str] = Field(
        default_factory=list, description="Patterns on the machine's name; default: every machine."
    )
    categories: list[str] = Field(
        default_factory=list, description="Only machines in one of these categories; default: every machine."
    )

    @field_validator("task")
    @classmethod
    def _task(cls, task: str | None) -> str | None:
        if task is None:
            return None
        _plain(task, "task")
        leaf = task.rpartition("\\")[2]
        if not task.startswith("\\") or not leaf.strip() or "\\\\" in task:
            raise ValueError(
                rf"'{task}' is not a task's full path: give it as Task Scheduler shows it, e.g. \Veeam\Nightly"
            )
        if _NOT_IN_TASK_NAMES.search(task):
            raise ValueError(f"'{task}': a task path cannot hold any of / : * ? \" < > |")
        return task

    @field_validator("file")
    @classmethod
    def _file(cls, file: str | None) -> str | None:
        if file is None:
            return None
        _plain(file, "file")
        if not _LOCAL_PATH.fullmatch(file) or _NOT_IN_FILE_PATHS.search(file) or file.endswith("\\"):
            # A share (\\server\...) is refused: over WinRM the audit account's credentials do not reach a
            # second machine (the "second hop"), so the file would always be unreadable there.
            raise ValueError(
                rf"'{file}' is not a file on the machine's own drives: give a path such as D:\Backup\last-ok.txt"
            )
        return file

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        return [compiled_pattern(pattern) for pattern in hosts]

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.task is None) == (self.file is None):
            raise ValueError("give exactly one of task (a scheduled task) or file (a file on the machine)")
        length = backup_probe([self]).command_line_length()
        if length > MAX_COMMAND_LINE:
            raise ValueError(
                f"'{self.task or self.file}' makes the backup probe's command {length} characters long, over "
                f"cmd.exe's {MAX_COMMAND_LINE}: shorten the path (characters outside ASCII count six times)"
            )
        return self

    @property
    def kind(self) -> Literal["task", "file"]:
        return "task" if self.task is not None else "file"

    def description(self) -> str:
        """How findings name the evidence: its name, if given, with what it reads."""
        what = f"scheduled task {self.task}" if self.task is not None else f"file {self.file}"
        return f"{self.name} ({what})" if self.name else what

    def applies_to(self, machine: str, categories: Sequence[str]) -> bool:
        if self.hosts and not any(_compiled(pattern).search(machine) for pattern in self.hosts):
            return False
        return not self.categories or any(category in categories for category in self.categories)

    def probe_entry(self) -> dict[str, str]:
        """What the backup probe is told to read (and echoes back beside what it read)."""
        if self.task is not None:
            folder, _, leaf = self.task.rpartition("\\")
            return {"kind": "task", "taskPath": f"{folder}\\", "taskName": leaf}
        assert self.file is not None
        return {"kind": "file", "path": self.file}

    def matches(self, entry: object) -> bool:
        """Whether a probe's result is this declaration's: the same kind and target (Windows compares names
        without regard to case)."""
        if not isinstance(entry, dict):
            return False
        wanted = self.probe_entry()
        return all(str(entry.get(key) or "").casefold() == value.casefold() for key, value in wanted.items())


@cache
def _compiled(pattern: str) -> Pattern:
    return compile_pattern(pattern)


def _plain(value: str, key: str) -> None:
    if _CONTROL.search(value):
        raise ValueError(f"{key}: {value!r} holds a control character")  # repr: shows the character
    if len(value) > MAX_PATH:
        raise ValueError(f"{key}: longer than {MAX_PATH} characters")


def evidence_for(declared: Sequence[BackupEvidence], machine: str, categories: Sequence[str]) -> BackupEvidence | None:
    """The declaration that judges this machine's backups: the first that applies, or None (Windows Server
    Backup)."""
    return next((evidence for evidence in declared if evidence.applies_to(machine, categories)), None)


def backup_probe(declared: Sequence[BackupEvidence]) -> Probe:
    """The backup probe told to read these declarations."""
    return next(probe for probe in PROBES if probe.name == "backup").with_parameters(probe_parameters(declared))


def probe_parameters(declared: Sequence[BackupEvidence]) -> str:
    """The JSON the backup probe reads: ASCII only (``\\uXXXX`` for anything else), so no character PowerShell
    treats as a quote other than ``'`` can reach the literal that carries it (see ``probes.powershell_literal``)."""
    return json.dumps({"evidence": [evidence.probe_entry() for evidence in declared]}, ensure_ascii=True)
