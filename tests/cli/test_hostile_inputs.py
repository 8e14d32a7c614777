"""Hostile and broken input files through the real CLI: each is exit 3 with the file (and line, where the file
has one) in plain words, no traceback and nothing on stdout; none crashes, hangs or fills the memory.

YAML (tags on the wrong value, deep nesting, aliases, keys that are not text), snapshots (strict JSON types,
repeated keys and ids, values no source gives, time zones), the endpoint inventory, the MIS export, and paths
that are not regular files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from factories import rule_doc, write_profile, write_rule
from holyaudit.collectors.snapshot import demo_path
from holyaudit.errors import ExitCode

RULE_TAIL = "rationale: Short passwords are guessed.\nremediation: Set the policy.\n"


def rule_text(condition: str) -> str:
    """The factory rule, its condition (from line 8) replaced by ``condition`` (indented under 'condition:')."""
    head = {k: v for k, v in rule_doc().items() if k not in ("condition", "rationale", "remediation")}
    head["clause"] = {"section": "10", "heading": "Passwords", "text": "Six characters."}
    head.pop("parameters")
    text = "\n".join(f"{k}: {json.dumps(v)}" for k, v in head.items()) + "\n"
    assert text.count("\n") == 6
    return text + "condition:\n" + condition + RULE_TAIL


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(result: Any, *lines: str) -> None:
    """Exit 3, each expected ``error:`` line printed (the start of it), no traceback, nothing on stdout."""
    assert result.code == ExitCode.INVALID_INPUT == 3, result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
    for line in lines:
        assert any(error.startswith(f"error: {line}") for error in errors), (line, result.err)


# --- YAML ---


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int abc", "'abc' cannot be read as !!int; remove the tag or fix the value"),
        ("!!float six", "'six' cannot be read as !!float"),
        ("!!bool maybe", "'maybe' cannot be read as !!bool"),
        ("!!timestamp soon", "'soon' cannot be read as !!timestamp"),
        ("!!map six", "'six' cannot be read as !!map"),
        ("!!seq six", "'six' cannot be read as !!seq"),
        ("!!binary aGk=", "the tag !!binary is not used in holyaudit's files; remove it"),
        ("!!python/object:os.system x", "the tag !!python/object:os.system is not used in holyaudit's files"),
        (".nan", "'.nan' is not a number holyaudit can compare; write a number"),
    ],
)
def test_a_tag_or_value_that_cannot_be_made_is_refused_at_its_place(run_cli, in_folder, value, message):
    (in_folder / "rule.yaml").write_text(rule_text(f"  attr: min_pwd_length\n  op: ge\n  value: {value}\n"))
    refused(run_cli("validate", "rule.yaml"), f"rule.yaml:10:10: invalid YAML: {message}")


def test_nesting_deeper_than_the_limit_is_refused_where_it_passes_the_limit(run_cli, in_folder):
    condition = "  not: " + "{not: " * 60 + "{attr: min_pwd_length, op: exists}" + "}" * 60 + "\n"
    text = rule_text(condition)
    (in_folder / "rule.yaml").write_text(text)
    line, column = line_of(text, "{not: ", 49)  # the file's mapping and the condition's are the first two of 51
    message = "invalid YAML: lists and mappings are nested more than 50 deep here; holyaudit's files need far fewer"
    refused(run_cli("validate", "rule.yaml"), f"rule.yaml:{line}:{column}: {message}")


def test_a_billion_laughs_is_refused_at_its_first_large_alias_before_anything_is_expanded(run_cli, in_folder):
    laughs = "  attr: min_pwd_length\n  op: in\n  value: &l0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
    lines = [f"x{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]\n" for n in range(1, 10)]
    text = rule_text(laughs) + "".join(lines)
    (in_folder / "rule.yaml").write_text(text)
    # 11 values for l0, 110 added by x1's aliases, 1,110 by x2's; each of x3's adds 1,111: the 8th passes 10,000
    line, column = line_of(text, "*l2", 8)
    message = "invalid YAML: aliases here would add more than 10000 values to the file; write the values out"
    refused(run_cli("validate", "rule.yaml"), f"rule.yaml:{line}:{column}: {message}")


def test_an_alias_inside_the_value_it_names_is_refused(run_cli, in_folder):
    (in_folder / "config.yaml").write_text("site: &s\n  name: x\n  other: *s\n")
    refused(
        run_cli("scan", "--config", "config.yaml", "--demo", "--no-history"),
        "config.yaml:3:10: invalid YAML: this alias is used inside the value it names",
    )


def test_a_few_aliases_and_a_merge_key_are_fine(run_cli, in_folder):
    config = (
        "site: {name: x, timezone: Europe/London}\n"
        "directory:\n  server: dc1.example.local\n  categories:\n"
        "    staff: &staff {ous: ['OU=Staff,DC=example,DC=local']}\n"
        "    pupil: {<<: *staff, groups: [Pupils]}\n"
    )
    (in_folder / "config.yaml").write_text(config)
    result = run_cli("scan", "--config", "config.yaml", "--demo", "--no-history")
    assert result.code == ExitCode.NON_COMPLIANT, result.err


@pytest.mark.parametrize(
    ("key", "kind"), [("1", "a number"), ("yes", "true or false"), ("~", "null (no value)"), ("2026-01-01", "a date")]
)
def test_a_key_that_is_not_text_is_refused_with_a_hint(run_cli, in_folder, key, kind):
    write_rule(in_folder / "rules")
    (in_folder / "profile.yaml").write_text(f"name: test\ntitle: Test\nrules:\n  {key}:\n")
    refused(
        run_cli("validate", "rules/test-min-length.yaml", "profile.yaml"),
        f"profile.yaml:4:3: invalid YAML: the key {key!r} is read as {kind}, not as a name; put it in quotes",
    )


# --- snapshots ---


def demo_snapshot() -> dict[str, Any]:
    return json.loads(demo_path().read_text(encoding="utf-8"))


def first_user(doc: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = doc["fact_sets"]["directory.users"]["records"][0]
    return user


def scan_snapshot(run_cli, folder: Path, text: str) -> Any:
    (folder / "snapshot.json").write_text(text, encoding="utf-8")
    return run_cli("scan", "--snapshot", "snapshot.json", "--no-history")


def line_of(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """The line and column of the ``nth`` occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


USER = "fact_sets.directory.users.records.0"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uac", "7", "expected a whole number (got '7')"),
        ("uac", 7.0, "expected a whole number (got 7.0)"),
        ("enabled", "yes", "expected true or false (got 'yes')"),
        ("enabled", 1, "expected true or false (got 1)"),
        ("last_logon", 1700000000, "Input should be a valid datetime (got 1700000000)"),
    ],
)
def test_snapshot_values_must_be_of_their_fields_json_type(run_cli, in_folder, field, value, message):
    doc = demo_snapshot()
    first_user(doc)[field] = value
    text = json.dumps(doc, indent=1)
    line, column = line_of(text, f'"{field}": {json.dumps(value)}')
    where = f"snapshot.json:{line}:{column + len(field) + 4}"
    refused(scan_snapshot(run_cli, in_folder, text), f"{where}: {USER}.{field}: {message}")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("NaN", "invalid JSON: NaN is not a JSON value (JSON has no NaN or Infinity)"),
        ("-Infinity", "invalid JSON: -Infinity is not a JSON value (JSON has no NaN or Infinity)"),
        ("1e400", "invalid JSON: 1e400 is too large a number"),
        ("9223372036854775808", "invalid JSON: 9223372036854775808 is outside the whole numbers a source gives"),
        ("9" * 5000, "invalid JSON: 999999999999999999999999999999... is outside the whole numbers a source gives"),
    ],
)
def test_snapshot_numbers_no_source_gives_are_refused_at_their_place(run_cli, in_folder, written, message):
    text = json.dumps(demo_snapshot(), indent=1).replace('"uac": 512', f'"uac": {written}', 1)
    line, column = line_of(text, f'"uac": {written}')
    refused(scan_snapshot(run_cli, in_folder, text), f"snapshot.json:{line}:{column + 7}: {message}")


def test_a_key_repeated_in_a_snapshot_object_is_refused(run_cli, in_folder):
    text = json.dumps(demo_snapshot(), indent=1).replace('"uac": 512', '"uac": 512, "uac": 66048', 1)
    line, column = line_of(text, '"uac": 66048')
    message = f"invalid JSON: duplicate key 'uac' (first at line {line})"
    refused(scan_snapshot(run_cli, in_folder, text), f"snapshot.json:{line}:{column}: {message}")


@pytest.mark.parametrize(("second_id", "message"), [("HALL.P", "'HALL.P' is already the id of record 0"), ("", None)])
def test_repeated_and_empty_object_ids_are_refused(run_cli, in_folder, second_id, message):
    doc = demo_snapshot()
    doc["fact_sets"]["directory.users"]["records"][1]["id"] = second_id
    text = json.dumps(doc, indent=1)
    line, column = line_of(text, f'"id": "{second_id}"')
    expected = message or "an object's id cannot be empty"
    where = f"snapshot.json:{line}:{column + 6}"
    refused(scan_snapshot(run_cli, in_folder, text), f"{where}: fact_sets.directory.users.records.1.id: {expected}")


@pytest.mark.parametrize(
    "collected_at",
    [
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:00:00-12:00",
        "1600-12-31T23:59:59+00:00",
        "9998-12-31T12:00:00+00:00",
        "9998-12-30T10:00:00-14:00",
    ],
)
def test_a_collection_time_no_zone_can_show_is_refused(run_cli, in_folder, collected_at):
    doc = demo_snapshot()
    doc["collected_at"] = collected_at
    text = json.dumps(doc, indent=1)
    line, column = line_of(text, f'"collected_at": "{collected_at}"')
    message = "collected_at: a date-time must lie between 1601-01-01 and 9998-12-30 (UTC)"
    refused(scan_snapshot(run_cli, in_folder, text), f"snapshot.json:{line}:{column + 16}: {message}")


def test_a_record_date_time_at_the_end_of_the_calendar_is_refused(run_cli, in_folder):
    doc = demo_snapshot()
    first_user(doc)["last_logon"] = "9999-12-31T23:00:00"
    text = json.dumps(doc, indent=1)
    line, column = line_of(text, '"last_logon": "9999')
    message = f"{USER}.last_logon: a date-time must lie between 1601-01-01 and 9998-12-30 (UTC)"
    refused(scan_snapshot(run_cli, in_folder, text), f"snapshot.json:{line}:{column + 14}: {message}")


@pytest.mark.parametrize(
    ("collected_at", "zone"),
    [("9998-12-30T23:59:59+00:00", "Pacific/Kiritimati"), ("1601-01-01T00:00:00+00:00", "America/Los_Angeles")],
)
def test_snapshots_at_the_ends_of_the_allowed_years_are_audited_logon_hours_and_all(
    run_cli, in_folder, collected_at, zone
):
    doc = demo_snapshot()
    doc["collected_at"], doc["timezone"] = collected_at, zone
    for fact_set in doc["fact_sets"].values():
        fact_set["collected_at"] = collected_at
    result = scan_snapshot(run_cli, in_folder, json.dumps(doc, indent=1))
    assert result.code == ExitCode.NON_COMPLIANT, result.err
    assert "error" not in result.err
    assert "logon-hours-curfew" in result.out


@pytest.mark.parametrize("zone", ["Europe", "America", "x" * 300, "Europe/../UTC"])
def test_a_snapshot_time_zone_that_is_not_one_is_refused(run_cli, in_folder, zone):
    doc = demo_snapshot()
    doc["timezone"] = zone
    text = json.dumps(doc, indent=1)
    line, column = line_of(text, '"timezone": ')
    message = f"timezone: unknown time zone {zone!r} (use an IANA name such as Europe/London)"
    refused(scan_snapshot(run_cli, in_folder, text), f"snapshot.json:{line}:{column + 12}: {message}")


@pytest.mark.parametrize("depth", [50, 5000])
def test_snapshot_nesting_deeper_than_the_limit_is_refused(run_cli, in_folder, depth):
    doc = demo_snapshot()
    doc["site"] = "<deep>"
    text = json.dumps(doc, indent=1).replace('"<deep>"', "[" * depth + "]" * depth)
    line, column = line_of(text, "[", 50)  # the file's object is the first of the 51
    message = "invalid JSON: objects and lists are nested more than 50 deep here"
    refused(scan_snapshot(run_cli, in_folder, text), f"snapshot.json:{line}:{column}: {message}")


# --- the endpoint inventory ---

ENDPOINTS_CONFIG = "endpoints:\n  from_directory: false\n  inventory: inventory.yaml\n  user: SCHOOL\\\\svc-audit\n"


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        ("  - name: HW-LAP-017\n  - name: hw-lap-017\n", "3:11: hosts.1.name: 'hw-lap-017' is already listed (line 2)"),
        (
            "  - name: HW-LAP-017\n    address: 10.20.4.300\n",
            "3:14: hosts.0.address: '10.20.4.300' is not an IP address",
        ),
        ("  - name: HW-LAP-017\n    address: 'dc1/wsman'\n", "3:14: hosts.0.address: 'dc1/wsman' is not a host name"),
        ("  - name: Lab laptop 17\n", "2:11: hosts.0.name: 'Lab laptop 17' is not a host name or IP address; give"),
    ],
)
def test_inventory_problems_are_refused_at_their_line_before_any_machine_is_contacted(
    run_cli, in_folder, hosts, message
):
    (in_folder / "holyaudit.yaml").write_text(ENDPOINTS_CONFIG)
    (in_folder / "inventory.yaml").write_text("hosts:\n" + hosts)
    refused(run_cli("config", "check", "--config", "holyaudit.yaml"), f"inventory.yaml:{message}")


# --- the MIS export ---


def mis_check(run_cli, folder: Path, content: bytes) -> Any:
    (folder / "holyaudit.yaml").write_text("mis:\n  leavers_csv: leavers.csv\n")
    (folder / "leavers.csv").write_bytes(content)
    return run_cli("config", "check", "--config", "holyaudit.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "leavers.csv: the export is empty: expected a header line naming the columns 'Username' and"),
        (
            b"Name,Left\r\nahmed.n,13/11/2026\r\n",
            "leavers.csv:1: the column 'Username' is not there (columns: Name, Left)",
        ),
        (
            b"Username,Leaving Date\r\nahmed.n,13/11\x00/2026\r\n",
            "leavers.csv:2:14: a NUL character: this is not a CSV",
        ),
        (
            b"Username,Leaving Date\r\nahmed.n," + b"1" * 140_000 + b"\r\n",
            "leavers.csv:2: cannot be read as CSV: field larger than field limit (131072)",
        ),
    ],
    ids=["empty", "wrong-headers", "nul-byte", "huge-field"],
)
def test_an_export_that_is_not_a_csv_with_the_columns_is_exit_3_with_its_row(run_cli, in_folder, content, message):
    refused(mis_check(run_cli, in_folder, content), message)


def test_config_check_counts_the_unreadable_and_blank_leaving_dates(run_cli, in_folder):
    export = b"Username,Leaving Date\r\nahmed.n,13/11/2026\r\nbennett.c,08/31/2026\r\nstill.here,\r\n"
    result = mis_check(run_cli, in_folder, export)
    assert result.code == ExitCode.INCOMPLETE, result.err
    assert result.out.splitlines()[1].split(None, 1) == [
        "FAILED",
        "mis: leavers.csv: 1 leavers read; 1 rows whose leaving date cannot be read (line 3); "
        "1 rows with no leaving date (not leavers)",
    ]


def test_a_blank_leaving_date_is_not_a_failure_of_the_export(run_cli, in_folder):
    result = mis_check(run_cli, in_folder, b"Username,Leaving Date\r\nahmed.n,13/11/2026\r\nstill.here,\r\n")
    assert result.code == ExitCode.COMPLIANT, result.err
    assert result.out.splitlines()[1].split(None, 1) == [
        "ok",
        "mis: leavers.csv: 1 leavers read; 1 rows with no leaving date (not leavers)",
    ]


# --- only regular files ---

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def not_a_file(folder: Path, kind: str, name: str) -> tuple[str, str]:
    """A path of ``kind`` (fifo, device, folder) for ``name``, and how holyaudit describes it."""
    if kind == "fifo":
        os.mkfifo(folder / name)
        return name, "a named pipe (FIFO)"
    if kind == "device":
        return "/dev/zero", "a character device"
    (folder / name).mkdir()
    return name, "a folder"


KINDS = [pytest.param("fifo", marks=needs_fifo), pytest.param("device", marks=needs_fifo), pytest.param("folder")]


COMMANDS = {
    "config": ("scan", "--config", "{path}", "--demo", "--no-history"),
    "snapshot": ("scan", "--snapshot", "{path}", "--no-history"),
    "waivers": ("scan", "--demo", "--waivers", "{path}", "--no-history"),
    "profile": ("scan", "--demo", "--profile", "{path}", "--no-history"),
    "rule": ("validate", "{path}"),  # a folder given to validate is a folder of rules: not this case
}


@pytest.mark.parametrize(
    ("kind", "command"),
    [
        pytest.param(kind.values[0], command, marks=kind.marks, id=f"{kind.values[0]}-{name}")
        for kind in KINDS
        for name, command in COMMANDS.items()
        if not (kind.values[0] == "folder" and name == "rule")
    ],
)
def test_a_path_that_is_not_a_regular_file_is_exit_3_at_once(run_cli, in_folder, kind, command):
    path, description = not_a_file(in_folder, kind, "input.yaml")
    result = run_cli(*(part.format(path=path) for part in command))
    refused(result, f"{path}: this is {description}, not a regular file; give the path of a file")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("section", ["inventory", "mis"])
def test_an_inventory_or_export_that_is_not_a_regular_file_is_exit_3_at_once(run_cli, in_folder, kind, section):
    path, description = not_a_file(in_folder, kind, "input.csv")
    config = (
        ENDPOINTS_CONFIG.replace("inventory.yaml", path) if section == "inventory" else f"mis:\n  leavers_csv: {path}\n"
    )
    (in_folder / "holyaudit.yaml").write_text(config)
    result = run_cli("config", "check", "--config", "holyaudit.yaml")
    refused(result, f"{path}: this is {description}, not a regular file; give the path of a file")


@needs_fifo
def test_a_named_pipe_among_the_rule_files_is_exit_3_at_once(run_cli, in_folder):
    write_rule(in_folder / "rules")
    os.mkfifo(in_folder / "rules" / "waiting.yaml")
    write_profile(in_folder / "profile.yaml")
    result = run_cli("scan", "--demo", "--rules", "rules", "--profile", "profile.yaml", "--no-history")
    refused(result, "rules/waiting.yaml: this is a named pipe (FIFO), not a regular file")


@pytest.mark.parametrize(
    ("name", "size", "command", "limit"),
    [
        ("snapshot.json", 128 * 2**20 + 1, ("scan", "--snapshot", "snapshot.json", "--no-history"), "128 MiB"),
        ("config.yaml", 8 * 2**20 + 1, ("scan", "--config", "config.yaml", "--demo", "--no-history"), "8 MiB"),
    ],
)
def test_a_file_over_its_size_limit_is_refused_before_it_is_read(run_cli, in_folder, name, size, command, limit):
    with (in_folder / name).open("wb") as sparse:  # no disk or memory used: the size is all that is looked at
        sparse.truncate(size)
    refused(run_cli(*command), f"{name}: file is larger than {limit}, the most holyaudit reads for it")
