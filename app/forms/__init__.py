"""Process forms: JSON Schema (draft 2020-12) + rjsf-style UI schema, loaded from ``forms/``.

Pure Python (no Flask, no SQLAlchemy): :mod:`app.forms.loader` reads and checks form definitions
against the keyword subset the server-side renderer supports; :mod:`app.forms.validator` validates
submitted data and returns plain-English messages keyed by dotted field path.
"""

from app.forms.loader import (
    SUPPORTED_FORMATS,
    SUPPORTED_KEYWORDS,
    SUPPORTED_UI_KEYS,
    SUPPORTED_UI_OPTIONS,
    SUPPORTED_WIDGETS,
    FormDefinition,
    FormError,
    FormNotFound,
    check_schema,
    content_hash,
    form_file_names,
    form_from_texts,
    list_form_keys,
    load_form,
)
from app.forms.validator import (
    FORMAT_CHECKER,
    ROOT_KEY,
    is_valid_upn,
    make_upn,
    upn_check_letter,
    validate_submission,
)

__all__ = [
    "FORMAT_CHECKER",
    "ROOT_KEY",
    "SUPPORTED_FORMATS",
    "SUPPORTED_KEYWORDS",
    "SUPPORTED_UI_KEYS",
    "SUPPORTED_UI_OPTIONS",
    "SUPPORTED_WIDGETS",
    "FormDefinition",
    "FormError",
    "FormNotFound",
    "check_schema",
    "content_hash",
    "form_file_names",
    "form_from_texts",
    "is_valid_upn",
    "list_form_keys",
    "load_form",
    "make_upn",
    "upn_check_letter",
    "validate_submission",
]
