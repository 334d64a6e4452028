"""The shared flow of a page that shows a JSON form: read the post, handle its buttons, check it.

Buttons (``_action``): ``submit`` (also the Enter key), ``save`` (drafts), ``add:<path>`` and
``remove:<path>.<i>`` (repeatable sections: the page comes back with one more or one fewer item
and everything typed kept).  Data is always re-shown from what was read, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.forms import FormDefinition
from app.forms.renderer import RenderedForm, render_form
from app.forms.submission import change_items, check_submission, prune_empty, read_submission


@dataclass
class FormPost:
    """The outcome of reading a post: what to show again, what is wrong, what was pressed."""

    action: str
    data: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Whether the data may go to the service (submitted with no problems)."""
        return self.action == "submit" and not self.errors


def read_post(
    form: FormDefinition,
    formdata: Any,
    *,
    base: dict[str, Any] | None = None,
    readonly: frozenset[str] = frozenset(),
) -> FormPost:
    """Read a form post; add/remove buttons are applied, submissions are pruned and validated."""
    submission = read_submission(form, formdata, base=base, readonly=readonly)
    action = submission.action
    if action in ("add", "remove"):
        return FormPost(action, change_items(form, submission.data, action, submission.target))
    if action == "submit":
        data, errors = check_submission(form, submission)
        return FormPost(action, data, errors)
    return FormPost(action, prune_empty(form.schema, submission.data))


def form_view(
    form: FormDefinition,
    data: Any,
    errors: dict[str, list[str]] | None = None,
    readonly: frozenset[str] = frozenset(),
) -> RenderedForm:
    """The rendered fields and error summary of a form page."""
    return render_form(form, data, errors, readonly=readonly)


def prefill(form: FormDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """The part of ``data`` (a task's data) that belongs on the form: its top-level fields."""
    names = form.schema.get("properties", {})
    return {key: value for key, value in (data or {}).items() if key in names}
