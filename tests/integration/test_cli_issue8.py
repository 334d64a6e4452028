"""The command line for targeting meetings, link advisers and the delivery plan."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from factories import deploy_default, make_user

from app.cli import main
from app.core.web import reading
from app.delivery_plan import rag_summary
from app.targeting import list_meetings

SAMPLE = Path(__file__).parents[2] / "app" / "demo" / "delivery-plan-sample.csv"


def _run(app, *args):
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


def test_tsm_open_and_link_adviser(pathway_app):
    deploy_default(pathway_app)
    adviser = make_user(pathway_app, "adviser", email="link@example.test")
    linked = _run(pathway_app, "schools", "link-adviser", "100001", adviser["email"])
    assert linked.exit_code == 0 and "link adviser Adviser" in linked.output
    unknown = CliRunner().invoke(
        main, ["schools", "link-adviser", "100001", "nobody@x.test"], obj=pathway_app
    )
    assert unknown.exit_code == 1 and "No user" in unknown.output
    first = _run(pathway_app, "tsm", "open", "--term", "autumn-2026")
    assert first.exit_code == 0 and "2 meeting(s) opened" in first.output
    again = _run(pathway_app, "tsm", "open", "--term", "autumn-2026")
    assert "0 meeting(s) opened" in again.output
    with pathway_app.app_context(), reading():
        rows = list_meetings(
            type("Council", (), {"role": "manager", "school_urn": None})(), term="autumn-2026"
        )
    assert {(r["urn"], r["link_adviser"]) for r in rows} == {
        ("100001", "Adviser"),
        ("100002", None),
    }


def test_plan_import(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(SAMPLE.read_text().replace("Amber", "Mauve"))
    refused = CliRunner().invoke(main, ["plan", "import", str(bad)], obj=app)
    assert (
        refused.exit_code == 1
        and "line 8" in refused.output
        and "Nothing imported" in refused.output
    )
    done = _run(app, "plan", "import", str(SAMPLE))
    assert done.exit_code == 0 and "7 new and 0 updated" in done.output
    with app.app_context(), reading():
        assert rag_summary()["total"] == 7
