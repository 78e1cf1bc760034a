"""Read a page's form as a browser would submit it: every named input, select and
text area with its current value, so a test can post back exactly what a person saw."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_index: int):
        super().__init__(convert_charrefs=True)
        self.form_index, self.seen, self.inside = form_index, -1, False
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._multiple = False

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self.inside and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._add(self._select, a.get("value", ""))
            return
        if tag == "form":
            self.seen += 1
            self.inside = self.seen == self.form_index
        if not self.inside or not a.get("name"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "y"))
            elif kind not in ("submit", "button"):
                self._add(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(a["name"], "")
        elif tag == "select":
            self._select, self._first_option = a["name"], None
            self._multiple = "multiple" in a
            self.values.setdefault(a["name"], [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the newline that opens a text area's content.
            text = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = text.removeprefix("\r\n").removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None:
            # A single choice with none marked selected sends its first option.
            if not self.values[self._select] and not self._multiple and (
                    self._first_option is not None):
                self.values[self._select].append(self._first_option)
            self._select = None


def form_values(html: str, index: int = 0) -> dict[str, list[str]]:
    """The values of the page's `index`-th form (0: the first), as name -> [values]."""
    reader = _FormReader(index)
    reader.feed(html)
    return reader.values


def main_form(response, marker: str = 'method="post" novalidate') -> dict[str, list[str]]:
    """The values of the page's main form: the first POST form marked `novalidate` (the
    edit forms), skipping the sign-out button in the page header."""
    html = response.get_data(as_text=True)
    forms = html.split("<form")
    for n, chunk in enumerate(forms[1:]):
        if marker in chunk.split(">", 1)[0]:
            return form_values(html, n)
    raise AssertionError("no edit form on the page")
