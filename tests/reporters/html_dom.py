"""Reading an HTML page as a browser's parser sees it: its elements, their attributes, its text and title."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Everything the HTML report is built from; a tag outside this set can only have come from the data.
REPORT_TAGS = frozenset(
    {
        *("html", "head", "meta", "title", "style", "body", "header", "footer", "section", "article", "div"),
        *("h1", "h2", "h3", "h4", "p", "blockquote", "ul", "ol", "li", "strong", "code", "span", "i", "a"),
        *("table", "colgroup", "col", "thead", "tbody", "tr", "th", "td"),
        *("svg", "g", "title", "rect", "line", "text"),
    }
)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]


@dataclass
class Dom:
    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def tags(self) -> set[str]:
        return {e.tag for e in self.elements}

    def attributes(self) -> list[tuple[str, str, str | None]]:
        return [(e.tag, name, value) for e in self.elements for name, value in e.attrs.items()]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = Dom()
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.dom.elements.append(Element(tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self._open[-1:] == ["style"]:
            return
        self.dom.texts.append(data)
        if self._open[-1:] == ["title"] and "svg" not in self._open:
            self.dom.title += data


def parse(page: str) -> Dom:
    parser = _Parser()
    parser.feed(page)
    parser.close()
    return parser.dom
