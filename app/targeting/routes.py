"""API routes for targeting meetings: load -> one service call -> dump."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from app.api import json_response
from app.api.auth import current_actor
from app.api.params import load_args, load_body
from app.core.db import utcnow
from app.core.web import reading, transaction
from app.targeting import queries, services
from app.targeting.schemas import LinkAdviserSchema, MeetingListArgs, MeetingRowSchema
from app.targeting.terms import current_term

bp = Blueprint("targeting_api", __name__)


@bp.post("/tsm/terms/<term>/open")
def open_term(term: str) -> Any:
    with transaction():
        opened = services.open_term_meetings(current_actor(), term=term)
        body = {"term": term, "opened": [{"id": c.id, "reference": c.reference} for c in opened]}
        return json_response(body, 201 if opened else 200)


@bp.get("/tsm")
def list_meetings() -> Any:
    with reading():
        actor = current_actor()
        term = load_args(MeetingListArgs(), request.args)["term"] or current_term(utcnow().date())
        rows = queries.list_meetings(actor, term=term)
        return json_response({"term": term, "items": MeetingRowSchema(many=True).dump(rows)})


@bp.put("/schools/<urn>/link-adviser")
def set_link_adviser(urn: str) -> Any:
    with transaction():
        actor = current_actor()
        body = load_body(LinkAdviserSchema())
        school = services.set_link_adviser(actor, urn=urn, adviser_id=body["adviser_id"])
        return json_response({"urn": school.urn, "link_adviser_id": school.link_adviser_id})
