"""The OpenAPI 3 document of ``/api/v1``, built from the marshmallow schemas."""

from __future__ import annotations

import functools
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from app.cases.schemas import (
    CaseListArgs,
    CaseSchema,
    CompleteTaskSchema,
    CreatedCaseSchema,
    FormSchema,
    MessageSchema,
    TaskListArgs,
    TaskSchema,
    TimelineEventSchema,
)
from app.process_models.schemas import ProcessModelSchema, ProcessModelVersionSchema

_ERRORS = {
    "401": {
        "description": "No valid credentials",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "404": {
        "description": "Not found (or not yours to see)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}


def _json(schema: Any, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }


def _path_id(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


@functools.cache
def build_openapi() -> dict[str, Any]:
    """Build (once) the OpenAPI document."""
    spec = APISpec(
        title="Attendance Pathway API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Statutory school-attendance cases, tasks and process models."},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in {
        "Case": CaseSchema,
        "Task": TaskSchema,
        "TimelineEvent": TimelineEventSchema,
        "CreatedCase": CreatedCaseSchema,
        "CompleteTask": CompleteTaskSchema,
        "Form": FormSchema,
        "Message": MessageSchema,
        "ProcessModel": ProcessModelSchema,
        "ProcessModelVersion": ProcessModelVersionSchema,
    }.items():
        spec.components.schema(name, schema=schema)
    spec.components.schema(
        "Error",
        {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    )
    ok = {"$ref": "#/components/schemas/Case"}
    spec.path(
        "/health",
        operations={
            "get": {
                "summary": "Service health",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
    )
    spec.path(
        "/notifications",
        operations={
            "post": {
                "summary": "Submit a Notification of Attendance Intervention"
                " (body: the `notification` form's data)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "description": "Valid against GET /forms/notification",
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/CreatedCase"}, "Case opened"),
                    "422": _json(
                        {"$ref": "#/components/schemas/Error"},
                        "Invalid notification; nothing written",
                    ),
                    **_ERRORS,
                },
            }
        },
    )
    spec.path(
        "/cases",
        operations={
            "get": {
                "summary": "List cases",
                "parameters": [{"in": "query", "schema": CaseListArgs}],
                "responses": {"200": _json(_page("Case")), **_ERRORS},
            }
        },
    )
    spec.path(
        "/cases/{id}",
        parameters=[_path_id("id")],
        operations={
            "get": {
                "summary": "A case with its active tasks, timeline and documents",
                "responses": {"200": _json(ok), **_ERRORS},
            }
        },
    )
    spec.path(
        "/cases/{id}/messages",
        parameters=[_path_id("id")],
        operations={
            "post": {
                "summary": "Deliver an event to the case (e.g. pupil_left_roll, payment_received)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Message"}}
                    },
                },
                "responses": {
                    "200": _json(ok),
                    "409": _json(
                        {"$ref": "#/components/schemas/Error"}, "The case is not waiting for it"
                    ),
                    **_ERRORS,
                },
            }
        },
    )
    spec.path(
        "/tasks",
        operations={
            "get": {
                "summary": "List tasks",
                "parameters": [{"in": "query", "schema": TaskListArgs}],
                "responses": {"200": _json(_page("Task")), **_ERRORS},
            }
        },
    )
    spec.path(
        "/tasks/{id}",
        parameters=[_path_id("id")],
        operations={
            "get": {
                "summary": "A task with its form and current data",
                "responses": {"200": _json({"$ref": "#/components/schemas/Task"}), **_ERRORS},
            }
        },
    )
    spec.path(
        "/tasks/{id}/claim",
        parameters=[_path_id("id")],
        operations={
            "post": {
                "summary": "Assign the task to me",
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Task"}),
                    "409": _json(
                        {"$ref": "#/components/schemas/Error"},
                        "No longer open or assigned to someone else",
                    ),
                    **_ERRORS,
                },
            }
        },
    )
    spec.path(
        "/tasks/{id}/complete",
        parameters=[_path_id("id")],
        operations={
            "post": {
                "summary": "Complete the task with its form data",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CompleteTask"}
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Task"}),
                    "409": _json(
                        {"$ref": "#/components/schemas/Error"},
                        "Task no longer open, or the case changed",
                    ),
                    "422": _json(
                        {"$ref": "#/components/schemas/Error"}, "Invalid form data; nothing written"
                    ),
                    **_ERRORS,
                },
            }
        },
    )
    spec.path(
        "/forms/{name}",
        parameters=[_path_id("name", "string")],
        operations={
            "get": {
                "summary": "A form's JSON Schema and UI schema",
                "responses": {"200": _json({"$ref": "#/components/schemas/Form"}), **_ERRORS},
            }
        },
    )
    spec.path(
        "/process-models",
        operations={
            "get": {
                "summary": "Deployed process models",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/ProcessModel"},
                                }
                            },
                        }
                    ),
                    **_ERRORS,
                },
            }
        },
    )
    spec.path(
        "/process-models/{id}/versions",
        parameters=[_path_id("id", "string")],
        operations={
            "get": {
                "summary": "A model's deployed versions",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/ProcessModelVersion"},
                                }
                            },
                        }
                    ),
                    **_ERRORS,
                },
            }
        },
    )
    _add_feature_paths(spec)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


def _simple(summary: str, *, body: str | None = None, status: str = "200") -> dict[str, Any]:
    """One operation with a JSON response (and optionally a described JSON body)."""
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {status: _json({"type": "object"}), **_ERRORS},
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": body}}},
        }
    return operation


def _add_feature_paths(spec: APISpec) -> None:
    """Attendance marks and imports, documents and letter templates."""
    spec.path(
        "/attendance",
        operations={
            "post": _simple(
                "Upsert session marks; bad rows are reported by index while good rows land",
                body='{"marks": [{"urn", "upn", "date", "session": "AM"|"PM", "code"}]} '
                '-> {"inserted", "updated", "errors": [{"row", "message"}]}',
            )
        },
    )
    spec.path(
        "/attendance/imports",
        operations={
            "get": _simple("Import history"),
            "post": _simple("Upload a session-mark CSV (multipart)", status="202"),
        },
    )
    spec.path(
        "/attendance/imports/{id}",
        parameters=[_path_id("id")],
        operations={"get": _simple("An import's progress, counts and row errors")},
    )
    spec.path(
        "/documents/{id}",
        parameters=[_path_id("id")],
        operations={"get": _simple("A letter's metadata (template version, data hash, file)")},
    )
    spec.path(
        "/documents/{id}/download",
        parameters=[_path_id("id")],
        operations={"get": _simple("The letter as PDF (or DOCX/HTML when no PDF exists)")},
    )
    _add_school_stage_paths(spec)
    _add_targeting_paths(spec)
    spec.path("/letter-templates", operations={"get": _simple("Letter templates")})
    spec.path(
        "/letter-templates/{name}",
        parameters=[_path_id("name", "string")],
        operations={
            "get": _simple("A template's current version"),
            "put": _simple(
                "Save a new version (placeholders checked; unknown ones are a 422)",
                body='{"content": "..."}',
            ),
        },
    )


def _add_school_stage_paths(spec: APISpec) -> None:
    """The school stage (graduated approach) a school runs before it notifies the service."""
    spec.path(
        "/school-stages",
        operations={
            "get": _simple("School stages the caller may see (?status=open|closed)"),
            "post": _simple(
                "Start the school stage for a pupil (schools: their own; staff: give school_urn)",
                body='{"pupil": {"upn", "forenames", "surname", "date_of_birth", "year_group", '
                '"address", "postcode"}, "parents": [{"full_name", "relationship"}], "school_urn"}',
                status="201",
            ),
        },
    )
    spec.path(
        "/school-stages/{id}",
        parameters=[_path_id("id")],
        operations={"get": _simple("A school stage: step, status, outcome and dated evidence")},
    )
    spec.path(
        "/school-stages/{id}/notification",
        parameters=[_path_id("id")],
        operations={
            "get": _simple(
                "The notification a referring stage pre-fills (409 until the review refers)"
            )
        },
    )


def _add_targeting_paths(spec: APISpec) -> None:
    """Termly targeting support meetings and schools' link advisers."""
    spec.path(
        "/tsm",
        operations={"get": _simple("Each school's meeting for ?term=autumn-2026 (default: now)")},
    )
    spec.path(
        "/tsm/terms/{term}/open",
        parameters=[_path_id("term", "string")],
        operations={
            "post": _simple(
                "Open the term's meeting for every school without one (managers; idempotent)",
                status="201",
            )
        },
    )
    spec.path(
        "/schools/{urn}/link-adviser",
        parameters=[_path_id("urn", "string")],
        operations={
            "put": _simple("Name the school's link adviser", body='{"adviser_id": 12 | null}')
        },
    )
