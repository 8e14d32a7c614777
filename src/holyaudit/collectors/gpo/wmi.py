"""WMI filters: which filter a GPO names (``gPCWQLFilter``) and the queries it holds (``msWMI-Som``), parsed (pure).

A GPO's ``gPCWQLFilter`` is ``[<domain DNS name>;<filter GUID>;0]``; the filter is the ``msWMI-Som`` object
``CN=<GUID>,CN=SOM,CN=WMIPolicy,CN=System,<domain>`` whose ``msWMI-ID`` is that GUID, ``msWMI-Name`` its name
and ``msWMI-Parm2`` its queries: ``<count>;`` then, for each query, the lengths of its language, namespace and
text, then the three strings, each followed by ``;`` (``1;3;10;55;WQL;root\\CIMv2;SELECT ...;``). The lengths are
used, so a ``;`` inside a query is read correctly. Clients evaluate the queries; the server cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINK = re.compile(r"\[(?P<domain>[^;\[\]]+);(?P<guid>\{[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\});\d+\]")


class WmiFilterError(ValueError):
    """A gPCWQLFilter or msWMI-Parm2 value that does not have the documented shape."""


@dataclass(frozen=True)
class WmiQuery:
    language: str
    namespace: str
    query: str


@dataclass(frozen=True)
class WmiFilter:
    name: str
    queries: tuple[WmiQuery, ...]

    def describe(self) -> str:
        """The filter's name and queries, as a finding shows them."""
        shown = "; ".join(f"{query.namespace}: {query.query}" for query in self.queries)
        return f"WMI filter '{self.name}' ({shown})"


def filter_guid(value: str) -> str:
    """The filter GUID (upper case, with braces) that a ``gPCWQLFilter`` value names."""
    found = _LINK.fullmatch(value.strip())
    if found is None:
        raise WmiFilterError(f"gPCWQLFilter {value!r} is not [domain;{{GUID}};0]")
    return found["guid"].upper()


def parse_queries(parm2: str) -> tuple[WmiQuery, ...]:
    """The queries of an ``msWMI-Parm2`` value."""
    count, position = _number(parm2, 0)
    queries = []
    for _ in range(count):
        lengths = []
        for _field in range(3):
            length, position = _number(parm2, position)
            lengths.append(length)
        strings = []
        for length in lengths:
            text, end = parm2[position : position + length], position + length
            if len(text) != length or parm2[end : end + 1] != ";":
                raise WmiFilterError(f"msWMI-Parm2 is cut short or its lengths do not match at character {position}")
            strings.append(text)
            position = end + 1
        queries.append(WmiQuery(*strings))
    if not queries:
        raise WmiFilterError("msWMI-Parm2 holds no query")
    return tuple(queries)


def _number(text: str, position: int) -> tuple[int, int]:
    end = text.find(";", position)
    digits = text[position:end] if end >= 0 else ""
    if not digits.isdigit():
        raise WmiFilterError(f"msWMI-Parm2 has no number at character {position}")
    return int(digits), end + 1
