"""Letters as files: real PDFs (WeasyPrint, read back with pdftotext), template versions, the
placeholder check on save, the sandbox, Word templates (docxtpl) and the render queue."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from factories import deploy_default
from factories_api import api_user, db_row, open_case
from sqlalchemy import select

import service_tasks
from app.accounts import get_user
from app.audit import AuditEvent
from app.core.errors import Invalid
from app.core.web import transaction
from app.documents import Document, render_document_file, save_template
from app.documents import files as document_files
from app.documents.tasks import render_pdf, requeue_unrendered_documents
from service_tasks.registry import ServiceTaskError

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {
    "date_from": "2026-09-03",
    "date_to": "2026-11-20",
    "possible": 110,
    "present": 88,
    "attendance_pct": 80.0,
    "authorised": 4,
    "unauthorised": 18,
    "unauthorised_by_code": {"G": 0, "N": 10, "O": 6, "U": 2},
    "late_before_close": 3,
    "late_after_close": 2,
}
#: the pupil of factories_forms.valid_notification()
PUPIL = "Jamie Alex Testpupil"
ATTACKS = [
    "{{ x.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
]
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed"
)


@pytest.fixture
def letters(app, tmp_path) -> Path:
    """A private copy of letters/ (tests change files in it)."""
    folder = tmp_path / "letters"
    shutil.copytree(ROOT / "letters", folder)
    app.config["LETTERS_DIR"] = str(folder)
    return folder


@pytest.fixture
def case(app, client, letters) -> dict[str, Any]:
    deploy_default(app)
    return open_case(client, api_user(app, "adviser"))


@pytest.fixture
def owner(app) -> Any:
    user = api_user(app, "process_owner")
    with app.app_context(), transaction():
        return get_user(user["id"])


def generate(app, case, template="D4", recipients=("Jamie Marsh",), **data) -> list[int]:
    with app.app_context(), transaction():
        result = service_tasks.call(
            "letters.generate",
            {
                "template": template,
                "case_reference": case["reference"],
                "recipients": list(recipients),
                "data": data,
            },
        )
    return [d["id"] for d in result["documents"]]


def render(app, document_id: int) -> Document:
    with app.app_context():
        render_pdf(document_id)  # the task body, as the worker runs it
    return db_row(app, Document, document_id)


def pdf_text(app, document: Document) -> str:
    path = document_files.documents_dir(app.config) / document.pdf_path
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def save(app, actor, name, content=None, docx=None):
    with app.app_context(), transaction():
        version, created = save_template(actor, name=name, content=content, docx=docx)
        return version.version, created


@needs_pdftotext
def test_a_letter_becomes_a_real_pdf_with_the_pupil_dates_and_table(app, case):
    [document_id] = generate(
        app,
        case,
        figures=FIGURES,
        monitoring_start="2026-11-23",
        monitoring_end="2027-02-05",
        officer_name="Alex Morgan",
    )
    assert ("documents.render_pdf", (document_id,)) in app.extensions["dispatched_tasks"]
    assert db_row(app, Document, document_id).file_status == "pending"

    document = render(app, document_id)
    assert document.file_status == "ready" and document.file_error is None
    assert document.pdf_path.endswith(".pdf") and f"-v{document.template_revision}-" in (
        document.pdf_path
    )
    stored = document_files.documents_dir(app.config) / document.pdf_path
    assert stored.read_bytes().startswith(b"%PDF")
    assert document_files.sha256_hex(stored.read_bytes()) == document.pdf_sha256
    text = pdf_text(app, document)
    for expected in (
        "Riverside County Council",
        "Dear Jamie Marsh",
        PUPIL,
        "2026-11-23",
        "2027-02-05",
        "Alex Morgan",
        case["reference"],
        "80.0%",
        "Unauthorised, code N",
        "Page 1 of 1",
    ):
        assert expected in text, expected

    assert render(app, document_id).rendered_at == document.rendered_at  # idempotent: skipped
    with app.extensions["db_sessions"]() as session:
        kinds = session.scalars(
            select(AuditEvent.event_type).where(AuditEvent.case_id == case["case_id"])
        ).all()
    assert kinds.count("document_generated") == 1 and kinds.count("document_rendered") == 1


@needs_pdftotext
@pytest.mark.parametrize("template", ["D5", "D6", "D8", "D9", "D10", "D11", "D13"])
def test_each_council_letter_renders_to_pdf(app, case, template):
    [document_id] = generate(app, case, template, figures=FIGURES, offence_period="autumn 2026")
    text = pdf_text(app, render(app, document_id))
    assert PUPIL in text and "Riverside County Council" in text


def test_no_job_is_queued_when_the_unit_of_work_rolls_back(app, case):
    class Boom(Exception):
        pass

    before = list(app.extensions.get("dispatched_tasks", []))
    with pytest.raises(Boom), app.app_context(), transaction():
        service_tasks.call(
            "letters.generate",
            {
                "template": "D4",
                "case_reference": case["reference"],
                "recipients": ["A"],
                "data": {},
            },
        )
        raise Boom
    assert app.extensions.get("dispatched_tasks", []) == before
    with app.extensions["db_sessions"]() as session:
        assert session.scalars(select(Document)).all() == []


def test_an_edit_makes_a_new_version_and_old_documents_keep_theirs(app, case, owner, letters):
    [old_id] = generate(app, case)
    old = db_row(app, Document, old_id)
    assert old.template_revision == 1
    assert old.templates_used == {"D4": 1, "_letter": 1}

    source = (letters / "D4.html").read_text()
    edited = source.replace("ten school weeks", "ten school weeks (edited wording)")
    assert save(app, owner, "D4", content=edited) == (2, True)
    assert save(app, owner, "D4", content=edited) == (2, False)  # same wording: no new version

    [new_id] = generate(app, case)
    new = db_row(app, Document, new_id)
    assert (new.template_revision, new.templates_used["D4"]) == (2, 2)
    assert "edited wording" in new.html and "edited wording" not in old.html
    assert new.template_version != old.template_version
    assert db_row(app, Document, old_id).template_revision == 1  # untouched

    (letters / "_letter.html").write_text(
        (letters / "_letter.html").read_text().replace("Yours sincerely", "Yours faithfully")
    )
    [third] = generate(app, case)
    assert db_row(app, Document, third).templates_used == {"D4": 2, "_letter": 2}
    assert "Yours faithfully" in db_row(app, Document, third).html


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<p>{{ data.monitoring_strat }}</p>", ["data.monitoring_strat"]),
        ("<p>{{ pupil_name }} {{ case.pupil_nme }}</p>", ["case.pupil_nme", "pupil_name"]),
        ("<p>{{ data.pn_number }}</p>", ["data.pn_number"]),  # a D9 field is not a D4 field
        ("<p>{{ figures.nonsense }}</p>", ["figures.nonsense"]),
    ],
)
def test_unknown_placeholders_are_refused_with_the_list(app, case, owner, content, expected):
    with pytest.raises(Invalid) as refused:
        save(app, owner, "D4", content=content)
    assert refused.value.details["unknown_placeholders"] == expected
    assert all(any(name in p for p in refused.value.errors["content"]) for name in expected)
    [document_id] = generate(app, case)
    assert db_row(app, Document, document_id).template_revision == 1  # nothing was stored


def test_known_placeholders_and_layout_references_are_checked(app, case, owner):
    fine = '{% extends "_letter.html" %}{% block body %}{{ data.pn_number }}{% endblock %}'
    assert save(app, owner, "D9", content=fine) == (2, True)
    for bad, problem in [
        ('{% extends "_nope.html" %}', "unknown template '_nope'"),
        ("{% if %}", "template syntax error"),
        ('{% include "D4.html" %}', None),
    ]:
        if problem is None:
            assert save(app, owner, "D14", content=bad)[1]
            continue
        with pytest.raises(Invalid) as refused:
            save(app, owner, "D14", content=bad)
        assert any(problem in p for p in refused.value.errors["content"]), refused.value.errors


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_sandbox_refuses_python_internals_on_save(app, case, owner, attack):
    with pytest.raises(Invalid) as refused:
        save(app, owner, "D4", content=f"<p>{attack}</p>")
    assert any("__class__" in p for p in refused.value.errors["content"])


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_sandbox_blocks_python_internals_when_rendering(app, case, letters, attack):
    # A template that never went through the save check (a file edited on disk).
    (letters / "D13.html").write_text(
        '{% extends "_letter.html" %}{% block body %}<p>' + attack + "</p>{% endblock %}"
    )
    with pytest.raises(ServiceTaskError) as refused:
        generate(app, case, "D13")
    assert refused.value.code == "invalid"
    assert "unsafe" in str(refused.value) or "not allow" in str(refused.value)


def _docx(*paragraphs: str) -> bytes:
    from docx import Document as WordDocument

    word = WordDocument()
    for text in paragraphs:
        word.add_paragraph(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_a_word_template_is_checked_rendered_and_stored(app, case, owner, monkeypatch):
    with pytest.raises(Invalid) as refused:
        save(app, owner, "D4", docx=_docx("{{ data.monitoring_strat }}", "{{ x.__class__ }}"))
    assert refused.value.details["unknown_placeholders"] == ["data.monitoring_strat", "x"]
    with pytest.raises(Invalid):
        save(app, owner, "D4", docx=b"not a word file")

    template = _docx(
        "Dear {{ recipient }},",
        "We will monitor {{ case.pupil_name }} from {{ data.monitoring_start }}.",
        "{{ council.name }}",
    )
    assert save(app, owner, "D4", docx=template) == (2, True)
    [document_id] = generate(app, case, recipients=["Jamie <Marsh>"], monitoring_start="2026-11-23")
    assert db_row(app, Document, document_id).format == "docx"

    monkeypatch.setattr(document_files, "soffice_binary", lambda: None)  # no LibreOffice here
    document = render(app, document_id)
    assert document.file_status == "ready" and document.pdf_path is None
    from docx import Document as WordDocument

    stored = document_files.documents_dir(app.config) / document.docx_path
    text = "\n".join(p.text for p in WordDocument(str(stored)).paragraphs)
    assert "Dear Jamie <Marsh>," in text and f"{PUPIL} from 2026-11-23" in text


@pytest.mark.skipif(document_files.soffice_binary() is None, reason="LibreOffice is not installed")
def test_a_word_letter_gets_a_pdf_from_libreoffice(app, case, owner):
    assert save(app, owner, "D13", docx=_docx("Closing the case of {{ case.pupil_name }}."))[1]
    [document_id] = generate(app, case, "D13")
    document = render(app, document_id)
    assert document.pdf_path and document.docx_path
    assert PUPIL in pdf_text(app, document)


def test_a_failed_render_is_recorded_and_lost_renders_are_queued_again(app, case, monkeypatch):
    [failing, lost] = generate(app, case, recipients=["A", "B"])

    def broken(_html: str) -> bytes:
        raise document_files.RenderFailed("WeasyPrint cannot load its libraries: test")

    monkeypatch.setattr(document_files, "html_to_pdf", broken)
    assert render(app, failing).file_status == "failed"
    assert "cannot load" in db_row(app, Document, failing).file_error

    app.extensions["dispatched_tasks"].clear()
    with app.app_context():
        import app.documents.services as document_services

        monkeypatch.setattr(document_services, "RENDER_GRACE", document_services.RENDER_GRACE * 0)
        assert requeue_unrendered_documents() == 1
    assert app.extensions["dispatched_tasks"] == [("documents.render_pdf", (lost,))]


def test_render_of_a_missing_document_is_skipped(app, letters):
    with app.app_context():
        assert render_document_file(987654) == "skipped"


def test_layouts_are_not_letters(app, case):
    with pytest.raises(ServiceTaskError) as refused:
        generate(app, case, "_attendance_table")
    assert refused.value.code == "unknown_template"
