"""Web-page test helpers: sign in, then fill and post HTML forms as a browser without JavaScript.

``form_fields(html)`` reads the first form of a page (not counting the header's sign-out form), or
a whole fragment (``form_index=None``), into a
werkzeug ``MultiDict``: text inputs and textareas with their values, checked radios and
checkboxes, the selected option of each select, hidden fields.  Submit buttons are not included;
pass ``_action`` yourself.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self, form_index: int | str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = form_index
        self.forms_seen = -1
        self.inside = form_index is None
        self.fields: MultiDict[str, str] = MultiDict()
        self.names: list[str] = []
        self.kinds: dict[str, str] = {}
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and self.wanted is not None:
            if a.get("action", "").endswith("/sign-out"):  # the header's form is not counted
                self.inside = False
                return
            self.forms_seen += 1
            if isinstance(self.wanted, str):
                self.inside = a.get("id") == self.wanted
            else:
                self.inside = self.forms_seen == self.wanted
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            self._input(a)
        elif tag == "textarea":
            self._textarea, self._text = a.get("name", ""), []
        elif tag == "select":
            self._select, self._selected, self._first_option = a.get("name", ""), None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._first_option = value if self._first_option is None else self._first_option
            if "selected" in a:
                self._selected = value

    def _input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text")
        self.names.append(a["name"])
        self.kinds.setdefault(a["name"], kind)
        if kind in ("radio", "checkbox"):
            if "checked" in a:
                self.fields.add(a["name"], a.get("value", "on"))
        elif kind not in ("submit", "button", "file", "image"):
            self.fields.add(a["name"], a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.fields.add(self._textarea, "".join(self._text))
            self.names.append(self._textarea)
            self.kinds[self._textarea] = "textarea"
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.add(self._select, self._selected or self._first_option or "")
            self.names.append(self._select)
            self.kinds[self._select] = "select"
            self._select = None
        elif tag == "form" and self.wanted is not None:
            self.inside = False


def form_fields(html: Any, form_index: int | str | None = "main-form") -> MultiDict[str, str]:
    """The values a browser would post for a form: by index, by ``id`` (a string), or every
    field of the fragment (None)."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    reader = _FormReader(form_index)
    reader.feed(text)
    return reader.fields


def field_names(html: Any, form_index: int | str | None = "main-form") -> list[str]:
    """Every named input, textarea and select of the form, in page order."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    reader = _FormReader(form_index)
    reader.feed(text)
    return reader.names


def field_kinds(html: Any, form_index: int | str | None = "main-form") -> dict[str, str]:
    """Each field's kind: an input type (text, radio, checkbox, hidden...), textarea or select."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    reader = _FormReader(form_index)
    reader.feed(text)
    return reader.kinds


def post_form(
    client: Any,
    url: str,
    page: Any,
    changes: dict[str, Any] | None = None,
    action: str = "submit",
    form_index: int | str = "main-form",
) -> Any:
    """Post a form of ``page`` to ``url`` with ``changes`` (a list sets every value)."""
    data = form_fields(page, form_index)
    for name, value in (changes or {}).items():
        data.setlist(name, value if isinstance(value, list) else [value])
    data["_action"] = action
    return client.post(url, data=data)


def signed_in(app: Any, role: str, school: str | None = None, email: str | None = None) -> Any:
    """A new test client signed in through the web form as a new user (``client.user``)."""
    from factories import PASSWORD, make_user
    from factories_api import sign_in

    user = make_user(app, role, school=school, email=email)
    client = app.test_client()
    assert sign_in(client, user["email"], PASSWORD).status_code == 302
    client.user = user
    return client


def text(response: Any) -> str:
    """A response's body as text."""
    return str(response.get_data(as_text=True))


def error_summary(html: str) -> str:
    """The GOV.UK error summary's list of links on a page."""
    start = html.index('class="govuk-error-summary"')
    return html[start : html.index("</ul>", start)]
