"""JUnit XML for CI dashboards: one test case per rule, failures listing the objects that fail.

ElementTree escapes markup; control characters, which XML 1.0 cannot carry at all, are made visible first.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter

from holyaudit import __version__
from holyaudit.models import AuditResult, Finding, ObjectResult, Status
from holyaudit.reporters.common import STATUS_WORD, attribution, offending, value_text, verdict
from holyaudit.reporters.interface import RenderOptions, Reporter
from holyaudit.reporters.overview import count_rows, overall_text, overview
from holyaudit.reporters.safe_text import printable

_OUTCOME = {Status.FAIL: "failure", Status.ERROR: "error", Status.WAIVED: "skipped", Status.NOT_APPLICABLE: "skipped"}


class JunitReporter(Reporter):
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        counts = Counter(_OUTCOME.get(f.status) for f in result.findings)
        totals = {
            "tests": str(len(result.findings)),
            "failures": str(counts["failure"]),
            "errors": str(counts["error"]),
            "skipped": str(counts["skipped"]),
        }
        suites = ET.Element("testsuites", {"name": "holyaudit", **totals})
        suite = ET.SubElement(
            suites,
            "testsuite",
            {
                "name": printable(result.site),
                **totals,
                # The common JUnit schema wants a date-time without an offset: UTC, as the properties say.
                "timestamp": f"{result.as_of.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}",
            },
        )
        properties = ET.SubElement(suite, "properties")
        view = overview(result)
        for name, value in (
            ("site", result.site),
            ("overall", f"{verdict(result)}; {overall_text(view)}"),
            *((label.lower().replace(" ", "_"), text) for label, text in count_rows(view)),
            *((f"fix_first:{n}", f"{i.severity.value}: {i.sentence}") for n, i in enumerate(view.fix_first, start=1)),
            ("profile", result.profile),
            *((("framework", quoted),) if (quoted := attribution(result)) else ()),
            ("as_of", result.as_of.isoformat()),
            ("timezone", result.timezone),
            ("tool_version", __version__),
            *(
                (f"source:{s.name}", f"{s.source}; not collected: {s.error}" if s.error else s.source)
                for s in result.sources
            ),
        ):
            ET.SubElement(properties, "property", {"name": printable(name), "value": printable(value)})
        for finding in result.findings:
            _testcase(suite, finding)
        ET.indent(suites)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, finding: Finding) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": printable(f"§{finding.clause.section} {finding.clause.heading}"),
            "name": printable(finding.rule_id),
        },
    )
    outcome = _OUTCOME.get(finding.status)
    if outcome is not None:
        element = ET.SubElement(case, outcome, {"message": printable(finding.message)})
        if outcome != "skipped":
            element.set("type", finding.severity.value)
            element.text = _details(finding)
            return
    # A passing or skipped rule still shows the objects it passes only by waiver, with the justification.
    waived = [o for o in finding.objects if o.status is Status.WAIVED]
    if waived:
        ET.SubElement(case, "system-out").text = "".join(_object_line(o) + "\n" for o in waived)


def _details(finding: Finding) -> str:
    lines = [
        printable(finding.title),
        f"§{printable(finding.clause.section)} {printable(finding.clause.heading)}: {printable(finding.clause.text)}",
        f"severity: {finding.severity.value}",
        printable(finding.message),
    ]
    lines.extend(_object_line(obj) for obj in offending(finding))
    lines.append(f"remediation: {printable(' '.join(finding.remediation.split()))}")
    return "\n".join(lines) + "\n"


def _object_line(obj: ObjectResult) -> str:
    line = f"- {printable(obj.id)} ({printable(obj.kind)}) {STATUS_WORD[obj.status]}"
    if obj.reason:
        line += f": {printable(obj.reason)}"
    if obj.context:
        line += " [" + "; ".join(f"{printable(k)}: {value_text(v)}" for k, v in obj.context.items()) + "]"
    return line
