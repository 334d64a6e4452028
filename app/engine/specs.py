"""Parsing and validating a process model: every BPMN and DMN file of one version.

A process model is a folder of files (``bpmn/<model_id>/``).  ``compile_model`` parses them with
SpiffWorkflow's spiff parser, resolves call activities and decision references across files, and
checks what the engine cannot: every user task names a form that exists, every service task names
a registered operator with the parameters it needs, every script and expression compiles in the
sandbox, and every lane maps to a role.  Problems are collected, never raised one at a time.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask, ServiceTask, UserTask

from app.engine.checks import check_diagrams
from app.engine.scripting import check_expression, check_script


class RecordingBusinessRuleTask(BusinessRuleTask):  # type: ignore[misc]
    """A DMN task that remembers which rule(s) fired, so managers can see why a case went a way."""

    def _run_hook(self, my_task: Any) -> Any:
        table = self.dmnEngine.decision_table
        rules = self.dmnEngine.decide(my_task)
        my_task.internal_data["dmn_decision"] = {
            "decision_id": getattr(self.dmnEngine.decision_table, "id", None),
            "decision_name": getattr(table, "name", None),
            "rules": [
                {"id": r.id, "row": r.row_number, "description": r.description} for r in rules
            ],
        }
        return super()._run_hook(my_task)


class RecordingBusinessRuleTaskParser(BusinessRuleTaskParser):  # type: ignore[misc]
    """spiff's parser always builds its own BusinessRuleTask class; build the configured one."""

    def create_task(self) -> Any:
        extensions = self.parse_extensions()
        engine = self.process_parser.parser.get_engine(self.get_decision_ref(self.node), self.node)
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            dmnEngine=engine,
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )


class CaseParser(SpiffBpmnParser):  # type: ignore[misc]
    """The spiff parser with our recording business-rule task (the base mapping is copied)."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("businessRuleTask"): (RecordingBusinessRuleTaskParser, RecordingBusinessRuleTask),
    }


@dataclass(frozen=True)
class Problem:
    """One reason a model version cannot be deployed."""

    file: str | None
    element_id: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "element_id": self.element_id, "message": self.message}


class ModelInvalid(Exception):
    """The model failed validation; ``problems`` lists every finding (``warnings`` don't block)."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        self.problems = problems
        self.warnings = warnings or []
        super().__init__(f"{len(problems)} problem(s) in the process model")


@dataclass(frozen=True)
class OperatorInfo:
    """What the validator needs to know about a registered service-task operator."""

    name: str
    required_params: frozenset[str] = frozenset()
    optional_params: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ModelCatalog:
    """Everything outside the diagrams that a model may refer to."""

    forms: frozenset[str]
    operators: Mapping[str, OperatorInfo]
    lanes: Mapping[str, str]  #: lane name (lower case) -> role
    #: form key -> its top-level field names (what a completed user task adds to task data)
    form_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: names the application seeds into a new case's data (e.g. notification, case)
    seeded: frozenset[str] = frozenset()


@dataclass
class ParsedModel:
    """A parsed, validated model: SpiffWorkflow specs plus the facts the app keeps about it."""

    main_process: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms_used: set[str] = field(default_factory=set)
    #: findings that do not block a deployment (unreachable element, gateway without default...)
    warnings: list[Problem] = field(default_factory=list)


def content_hash(files: Mapping[str, bytes]) -> str:
    """A stable sha256 over file names and contents."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def form_key_of(task_spec: Any) -> str | None:
    """The form a user task names: ``formKey``, or spiff-arena's ``formJsonSchemaFilename``."""
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
    key = props.get("formKey")
    if not key and props.get("formJsonSchemaFilename"):
        key = str(props["formJsonSchemaFilename"]).removesuffix(".json").removesuffix(".schema")
    return str(key) if key else None


def _parse_files(parser: CaseParser, files: Mapping[str, bytes]) -> list[Problem]:
    problems: list[Problem] = []
    for name in sorted(files):
        content = files[name]
        if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
            # lxml would expand entities, including ones that read files on the server
            message = "DOCTYPE and ENTITY declarations are not allowed in model files"
            problems.append(Problem(name, None, message))
            continue
        try:
            if name.endswith(".bpmn"):
                parser.add_bpmn_str(content, filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_str(content, filename=name)
        except ValidationException as exc:
            problems.append(Problem(name, exc.id or None, _first_line(exc)))
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(name, None, f"XML is not well formed: {exc.msg}"))
        except SpiffWorkflowException as exc:
            problems.append(Problem(name, None, f"cannot be parsed: {_first_line(exc)}"))
        except Exception as exc:  # the parser trips over malformed content (e.g. a DMN file
            # without a decision raises IndexError): report the file, don't crash the deploy
            reason = f"{exc.__class__.__name__}: {_first_line(exc)}"
            problems.append(Problem(name, None, f"cannot be parsed ({reason})"))
    return problems


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0][:500]


def compile_model(
    files: Mapping[str, bytes], main_process: str, catalog: ModelCatalog
) -> ParsedModel:
    """Parse and validate a model version, raising ModelInvalid with every problem found."""
    diagrams = {n: c for n, c in files.items() if n.endswith((".bpmn", ".dmn"))}
    if not any(n.endswith(".bpmn") for n in diagrams):
        raise ModelInvalid([Problem(None, None, "the model has no .bpmn file")])
    parser = CaseParser(validator=VALIDATOR)
    problems = _parse_files(parser, diagrams)
    if problems:
        raise ModelInvalid(problems)
    if main_process not in parser.get_process_ids():
        raise ModelInvalid(
            [Problem(None, main_process, f"no process with id '{main_process}' in the model")]
        )
    problems = _check_references(parser)
    if problems:
        raise ModelInvalid(problems)
    try:
        spec = parser.get_spec(main_process)
        subs = parser.get_subprocess_specs(main_process)
    except ValidationException as exc:
        file = exc.file_name or _file_of(parser, exc.id)
        raise ModelInvalid([Problem(file, exc.id or None, _first_line(exc))]) from exc
    except Exception as exc:  # anything else the parser raises is still a model problem
        reason = _first_line(exc)
        if not isinstance(exc, SpiffWorkflowException):
            reason = f"{exc.__class__.__name__}: {reason}"
        raise ModelInvalid([Problem(None, None, reason)]) from exc
    model = ParsedModel(main_process, spec, subs)
    for process_spec in [spec, *subs.values()]:
        problems.extend(_check_process(process_spec, catalog, model))
    findings = check_diagrams(parser, spec, subs.values(), catalog.seeded, catalog.form_fields)
    problems.extend(Problem(*finding) for finding in findings.errors)
    model.warnings = [Problem(*finding) for finding in findings.warnings]
    if problems:
        raise ModelInvalid(problems, model.warnings)
    return model


def validate_model(
    files: Mapping[str, bytes], main_process: str, catalog: ModelCatalog
) -> tuple[list[Problem], list[Problem]]:
    """Every (error, warning) a model has; an empty error list means it can be deployed."""
    try:
        model = compile_model(files, main_process, catalog)
    except ModelInvalid as exc:
        return exc.problems, exc.warnings
    return [], model.warnings


def _check_references(parser: CaseParser) -> list[Problem]:
    """Every call activity and business-rule task names a process / decision the model has.

    SpiffWorkflow stops at the first missing reference, without saying which file; this reports
    all of them, each with its file and element.
    """
    problems: list[Problem] = []
    processes = set(parser.get_process_ids())
    decisions = set(parser.dmn_parsers)
    seen: set[str | None] = set()
    for process_parser in parser.process_parsers.values():
        file, node = process_parser.filename, process_parser.node
        for call in node.xpath(".//bpmn:callActivity", namespaces=parser.namespaces):
            target, element = call.get("calledElement"), call.get("id")
            if element not in seen and target not in processes:
                known = ", ".join(sorted(processes))
                message = f"call activity calls process '{target}', which no file of the model "
                problems.append(Problem(file, element, message + f"defines (has: {known})"))
            seen.add(element)
        for task in node.xpath(".//bpmn:businessRuleTask", namespaces=parser.namespaces):
            ref, element = BusinessRuleTaskParser.get_decision_ref(task), task.get("id")
            if element in seen:
                continue
            seen.add(element)
            if not ref:
                message = "business-rule task names no decision (set calledDecisionId)"
                problems.append(Problem(file, element, message))
            elif ref not in decisions:
                message = f"business-rule task calls decision '{ref}', which no .dmn file defines"
                problems.append(Problem(file, element, message))
    return problems


def _file_of(parser: CaseParser, element_id: str | None) -> str | None:
    """The file whose process contains ``element_id`` (SpiffWorkflow often omits it)."""
    if not element_id:
        return None
    for process_parser in parser.process_parsers.values():
        if process_parser.node.xpath(".//*[@id=$id]", id=element_id):
            return process_parser.filename  # type: ignore[no-any-return]
    return None


def _check_process(process_spec: Any, catalog: ModelCatalog, model: ParsedModel) -> list[Problem]:
    problems: list[Problem] = []
    file = getattr(process_spec, "file", None)
    for task_spec in process_spec.task_specs.values():
        element = getattr(task_spec, "bpmn_id", None)
        if element is None:
            continue

        def report(message: str, _element: str = element) -> None:
            problems.append(Problem(file, _element, message))

        lane = getattr(task_spec, "lane", None)
        if lane is not None and lane.lower() not in catalog.lanes:
            report(f"lane '{lane}' is not mapped to a role ({', '.join(sorted(catalog.lanes))})")
        if isinstance(task_spec, UserTask):
            key = form_key_of(task_spec)
            if key is None:
                report("user task names no form (set the formKey property)")
            elif key not in catalog.forms:
                report(f"user task names form '{key}', which does not exist in forms/")
            else:
                model.forms_used.add(key)
        if isinstance(task_spec, ServiceTask):
            _check_service_task(task_spec, catalog, report)
        for label, text in _scripts_of(task_spec):
            reason = check_script(text) if label.endswith("script") else check_expression(text)
            if reason:
                report(f"{label} is refused by the sandbox: {reason}")
    return problems


def _check_service_task(
    task_spec: Any, catalog: ModelCatalog, report: Callable[[str], None]
) -> None:
    operator = catalog.operators.get(task_spec.operation_name)
    if operator is None:
        report(f"service task calls unknown operator '{task_spec.operation_name}'")
        return
    given = set(task_spec.operation_params or {})
    for missing in sorted(operator.required_params - given):
        report(f"operator '{operator.name}' needs parameter '{missing}'")
    for extra in sorted(given - operator.required_params - operator.optional_params):
        report(f"operator '{operator.name}' has no parameter '{extra}'")


def _scripts_of(task_spec: Any) -> Iterable[tuple[str, str]]:
    """Every piece of Python a task spec will hand to the script engine."""
    if getattr(task_spec, "script", None):
        yield "script", task_spec.script
    for attr in ("prescript", "postscript"):
        if getattr(task_spec, attr, None):
            yield f"{attr[:-6]}-script", getattr(task_spec, attr)
    for condition, _target in getattr(task_spec, "cond_task_specs", None) or []:
        text = condition.args[0] if getattr(condition, "args", None) else condition
        if isinstance(text, str) and text:
            yield "gateway condition", text
    for condition in (getattr(task_spec, "condition", None),):
        if isinstance(condition, str) and condition:
            yield "loop condition", condition
    for param in (getattr(task_spec, "operation_params", None) or {}).values():
        if isinstance(param, dict) and isinstance(param.get("value"), str):
            yield "service parameter", param["value"]
    table = getattr(getattr(task_spec, "dmnEngine", None), "decision_table", None)
    if table is not None:
        yield from _dmn_expressions(table)
    if isinstance(task_spec, CatchingEvent):
        definition = getattr(task_spec, "event_definition", None)
        expression = getattr(definition, "expression", None)
        if isinstance(expression, str) and expression:
            yield "timer expression", expression


#: a ``?`` outside quotes in a DMN input cell (the engine substitutes the input there)
_DMN_PLACEHOLDER = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _dmn_expressions(table: Any) -> Iterable[tuple[str, str]]:
    """The Python a decision table runs, built the way SpiffWorkflow's DMN engine builds it."""
    for column in table.inputs:
        if column.expression:
            yield f"DMN input '{column.label or column.id}'", column.expression
    for rule in table.rules:
        for entry in rule.inputEntries:
            for cell in entry.lhs:
                if cell and cell.strip():
                    yield f"DMN rule {rule.row_number} input cell", _dmn_test(cell)
        for entry in rule.outputEntries:
            if entry.text and entry.text.strip():
                yield f"DMN rule {rule.row_number} output cell", entry.text


def _dmn_test(cell: str) -> str:
    if _DMN_PLACEHOLDER.search(cell):
        return _DMN_PLACEHOLDER.sub("dmninputexpr", cell)
    try:
        ast.parse(cell.strip(), mode="eval")
    except SyntaxError:
        return f"dmninputexpr {cell}"  # an operator suffix such as ``<= 90``
    return cell


def spec_fingerprint(spec_dict: Mapping[str, Any]) -> str:
    """sha256 of a serialized spec (used to cache restored specs)."""
    return hashlib.sha256(json.dumps(spec_dict, sort_keys=True).encode()).hexdigest()
