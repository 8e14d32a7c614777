"""Where a SYSVOL file stores a credential: Group Policy Preferences passwords and passwords in scripts (pure).

Each finding names the line and what kind of credential is there, never its value: the secret is read only to
tell whether one is present, and nothing of it leaves this module.

- Group Policy Preferences XML (Groups, Services, ScheduledTasks, DataSources, Drives, Printers.xml, and any other
  XML file): a non-empty ``cpassword`` attribute on any element ([MS-GPPREF] 2.2.1.1.4: the AES key that
  "protects" it is published, so it is a password in clear); in Registry.xml, an item that sets
  ``...\\Winlogon`` ``DefaultPassword`` (the automatic logon password).
- Scripts (.bat, .cmd, .ps1, .psm1, .psd1, .vbs, .js, .wsf, .kix) and the scripts.ini / psscripts.ini that pass
  them parameters: each line against ``SCRIPT_PATTERNS``.

XML is parsed by expat with any document type declaration refused, so no entity is ever declared or expanded
(GPP files have none); a file that is not well-formed XML is still searched line by line for ``cpassword``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from xml.parsers import expat

from holyaudit.patterns import Pattern, compile_pattern

XML_SUFFIXES = (".xml",)
SCRIPT_SUFFIXES = (".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".vbs", ".js", ".wsf", ".kix")
SCRIPT_INI = ("scripts.ini", "psscripts.ini")

_LITERAL = r"""(?:"[^"$\s][^"]*"|'[^'$\s][^']*')"""
"""A quoted literal that does not start with a variable: a value written into the script."""
SCRIPT_PATTERNS: tuple[tuple[str, Pattern], ...] = tuple(
    (label, compile_pattern(pattern))
    for label, pattern in (
        ("net use with a password after /user:", r"(?i)\bnet(\.exe)?\s+use\b.*\s/u(ser)?:\S+\s+[^\s/*]"),
        ("net use with a password before /user:", r"(?i)\bnet(\.exe)?\s+use\s+(\S+:\s+)?\\\\\S+\s+[^\s/*]"),
        ("net user setting a password", r"(?i)\bnet(\.exe)?\s+user\s+[^\s/]+\s+[^\s/*]"),
        ("-Password with a literal value", r"(?i)\s-(Account)?Password\s+(" + _LITERAL + r"|[^\s$('\"@-])"),
        ("ConvertTo-SecureString of a literal", r"(?i)ConvertTo-SecureString\b.*-AsPlainText"),
        ("cmdkey /pass: with a value", r"(?i)\bcmdkey(\.exe)?\b.*\s/pass:[^\s]"),
        ("psexec -p with a value", r"(?i)\bpsexec(64)?(\.exe)?\b.*\s-p\s+\S"),
        ("reg add of Winlogon DefaultPassword", r"(?i)\breg(\.exe)?\s+add\b.*DefaultPassword.*\s/d\s+\S"),
        ("a password assigned a literal", r"(?i)pass(word|wd)?\s*=\s*" + _LITERAL),
        ("set of a password variable", r"(?i)^\s*set\s+\"?\w*pass(word|wd)?\w*=[^\s\"%]"),
        ("script parameters holding a password", r"(?i)^\s*\d+Parameters\s*=.*(/u(ser)?:\S+\s+[^\s/*]|-Password\s+\S)"),
    )
)
"""What marks a line of a script (or scripts.ini) as holding a credential, by the words a finding uses."""
_LITERAL_ANYWHERE = compile_pattern(_LITERAL)
_CPASSWORD_LINE = compile_pattern(r"(?i)\bcpassword\s*=\s*[\"'][^\"']")


@dataclass(frozen=True)
class Found:
    """One stored credential: the line (1-based) and what it is, without its value."""

    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


class UnreadableFile(Exception):
    """The file could not be searched (not text, not XML and no credential seen); the message says why."""


def kind_of(name: str) -> str | None:
    """What a file is, from its name: 'Group Policy Preferences', 'script', 'script parameters', or None."""
    lower = name.lower()
    if lower.endswith(XML_SUFFIXES):
        return "Group Policy Preferences"
    if lower in SCRIPT_INI:
        return "script parameters"
    if lower.endswith(SCRIPT_SUFFIXES):
        return "script"
    return None


def credentials_in(name: str, data: bytes) -> list[Found]:
    """The credentials stored in a file called ``name`` holding ``data``; ``UnreadableFile`` if it cannot tell."""
    kind = kind_of(name)
    if kind == "Group Policy Preferences":
        return _in_xml(data)
    return _in_lines(_text(data))


def _text(data: bytes) -> str:
    """Script text as Windows tools write it: UTF-16 with a byte-order mark (scripts.ini), UTF-8, or ANSI."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"not UTF-16 text despite its byte-order mark ({exc.reason})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # ANSI scripts: every byte is a character, so a pattern still finds words


def _in_lines(text: str) -> list[Found]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for label, pattern in SCRIPT_PATTERNS:
            if pattern.search(line) and (label != "ConvertTo-SecureString of a literal" or _literal(line)):
                found.append(Found(number, label))
                break
    return found


def _literal(line: str) -> bool:
    return _LITERAL_ANYWHERE.search(line)


class _Refused(Exception):
    pass


def _in_xml(data: bytes) -> list[Found]:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    found: list[Found] = []
    names: list[str | None] = []

    def refuse(*_: object) -> None:
        raise _Refused("it declares a document type (DOCTYPE), which Group Policy Preferences files never do")

    def start(tag: str, attributes: dict[str, str]) -> None:
        lowered = {key.lower(): value for key, value in attributes.items()}
        names.append(lowered.get("name") or (names[-1] if names else None))
        item = f" (item '{names[-2]}')" if len(names) > 1 and names[-2] else ""
        if lowered.get("cpassword", "").strip():
            found.append(Found(parser.CurrentLineNumber, f"<{tag}> has a cpassword{item}"))
        if (
            lowered.get("key", "").rstrip("\\").lower().endswith("\\winlogon")
            and lowered.get("name", "").lower() == "defaultpassword"
            and lowered.get("action", "U").upper() != "D"
            and lowered.get("value", "").strip()
        ):
            found.append(Found(parser.CurrentLineNumber, "sets Winlogon DefaultPassword (automatic logon password)"))

    def end(tag: str) -> None:
        names.pop()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Refused) as exc:
        # Not applied by clients, but a password in it is still readable by every domain user.
        lines = [
            Found(number, "cpassword in a file that is not well-formed XML")
            for number, line in enumerate(_text(data).splitlines(), start=1)
            if _CPASSWORD_LINE.search(line)
        ]
        if lines:
            return lines
        raise UnreadableFile(f"not well-formed XML: {exc}") from None
    return found
