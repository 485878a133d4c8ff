"""The experiment spec: parse, validate against the shared JSON Schema, fill defaults.

The schema is emitted from ``core/experiment-spec.ts`` to
``core/schemas/experiment-spec.schema.json``; this module reads that file, so the rules
and the defaults (its ``default`` keywords) are written once, in TypeScript.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Iterable

import jsonschema

from .errors import TrainerFailure

SPEC_SCHEMA_ENV = "AAR_SPEC_SCHEMA"
SPEC_SCHEMA_FILE = "experiment-spec.schema.json"
RESULT_SCHEMA_FILE = "result-bundle.schema.json"
# student/ sits next to core/ in the repository and in both images (/opt/aar; see student/Dockerfile).
_REPO_SCHEMAS = Path(__file__).resolve().parent.parent / "core" / "schemas"
_IMAGE_SCHEMAS = Path("/opt/aar/core/schemas")


def schema_path(file_name: str = SPEC_SCHEMA_FILE) -> Path:
    """Locates a shared schema file.

    Order: ``$AAR_SPEC_SCHEMA`` (the spec schema itself; other schemas are looked up beside
    it), then ``core/schemas`` next to this package, then the copy baked into the image.
    """
    override = os.environ.get(SPEC_SCHEMA_ENV)
    candidates = []
    if override:
        path = Path(override)
        candidates.append(path if file_name == SPEC_SCHEMA_FILE else path.with_name(file_name))
    candidates += [_REPO_SCHEMAS / file_name, _IMAGE_SCHEMAS / file_name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise TrainerFailure("internal", f"schema {file_name} not found (looked in {', '.join(map(str, candidates))})")


def load_schema(file_name: str = SPEC_SCHEMA_FILE) -> dict[str, Any]:
    """Reads a shared schema and checks that it is itself a valid JSON Schema."""
    schema = json.loads(schema_path(file_name).read_text(encoding="utf-8"))
    _validator_class().check_schema(schema)
    return schema


def _validator_class() -> type:
    """Draft 2020-12 when this jsonschema has it, else draft 7 (both read the shared schema alike)."""
    return getattr(jsonschema, "Draft202012Validator", jsonschema.Draft7Validator)


def parse_spec(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Parses, validates and fills defaults; ``TrainerFailure('invalid_spec')`` names each bad field."""
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise TrainerFailure("invalid_spec", f"spec is not valid JSON: {error}") from None
    issues = list_issues(raw, schema)
    if issues:
        raise TrainerFailure("invalid_spec", "invalid spec: " + "; ".join(issues))
    return fill_defaults(raw, schema)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def list_issues(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Every problem of ``instance`` as ``field.path: what is wrong``; empty when valid."""
    validator = _validator_class()(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    return [issue for error in errors for issue in _describe(error)]


def _field(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path) or "spec"


def _describe(error: jsonschema.ValidationError) -> list[str]:
    """Turns one jsonschema error into messages in the style of ``core/validation.ts``."""
    path = list(error.absolute_path)
    keyword, expected = error.validator, error.validator_value
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [f"{_field(path + [name])}: missing required field" for name in expected if name not in present]
    if keyword == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in error.instance if name not in known)
        return [f"{_field(path + [name])}: unknown field (remove or check spelling)" for name in extra]
    if keyword == "anyOf" and all("const" in option for option in expected):
        choices = ", ".join(json.dumps(option["const"]) for option in expected)
        return [f"{_field(path)}: must be one of {choices}"]
    if keyword == "enum":
        return [f"{_field(path)}: must be one of {', '.join(json.dumps(v) for v in expected)}"]
    messages = {
        "type": lambda: f"must be {_article(expected)}",
        "const": lambda: f"must be {json.dumps(expected)}",
        "minimum": lambda: f"must be >= {expected}",
        "maximum": lambda: f"must be <= {expected}",
        "exclusiveMinimum": lambda: f"must be > {expected}",
        "exclusiveMaximum": lambda: f"must be < {expected}",
        "pattern": lambda: f"must match the pattern {expected}",
        "minLength": lambda: f"must be at least {expected} characters long",
        "maxLength": lambda: f"must be at most {expected} characters long",
    }
    describe = messages.get(str(keyword))
    return [f"{_field(path)}: {describe() if describe else error.message}"]


def _article(type_name: Any) -> str:
    names = type_name if isinstance(type_name, list) else [type_name]
    return " or ".join(("an " if str(n)[0] in "aeiou" else "a ") + str(n) for n in names)


def fill_defaults(instance: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a valid spec with every absent property that has a schema ``default`` set.

    Recurses into objects the spec contains; absent optional objects (``filter``,
    ``earlyStopping``, ``hook``) stay absent, since their presence switches a method on.
    """
    out = copy.deepcopy(instance)
    for name, sub_schema in schema.get("properties", {}).items():
        if name not in out:
            if "default" in sub_schema:
                out[name] = copy.deepcopy(sub_schema["default"])
        elif isinstance(out[name], dict) and sub_schema.get("type") == "object":
            out[name] = fill_defaults(out[name], sub_schema)
        elif sub_schema.get("type") == "integer" and isinstance(out[name], float):
            out[name] = int(out[name])  # JSON Schema counts 64.0 as an integer; Python should too
    return out


def raw_task_and_seed(text: str) -> tuple[str | None, int | None]:
    """Best-effort ``task`` and ``seed`` of a spec that failed validation, for its failed result."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(raw, dict):
        return None, None
    task = raw.get("task") if isinstance(raw.get("task"), str) else None
    seed = raw.get("seed")
    return task, seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else None
