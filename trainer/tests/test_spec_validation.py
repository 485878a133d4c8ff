"""The spec is validated against core/schemas/experiment-spec.schema.json, defaults come from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from student.spec import fill_defaults, load_schema, parse_spec, schema_path
from student.errors import TrainerFailure

from .conftest import make_spec, run_cli, run_subprocess

BAD_SPECS = [
    (make_spec(training={"epochs": 201, "learningRate": 0.002, "batchSize": 64}), "training.epochs: must be <= 200"),
    (make_spec(training={"epochs": 3, "learningRate": 0, "batchSize": 64}), "training.learningRate: must be > 0"),
    (make_spec(training={"epochs": 3, "learningRate": 0.1, "batchSize": 0}), "training.batchSize: must be >= 1"),
    (make_spec(training={"epochs": 2.5, "learningRate": 0.1, "batchSize": 8}), "training.epochs: must be an integer"),
    (make_spec(training={"learningRate": 0.1, "batchSize": 8}), "training.epochs: missing required field"),
    (make_spec(loss={"kind": "mse"}), "loss.kind: must be one of"),
    (make_spec(loss={"kind": "xent", "auxWeight": 1.5}), "loss.auxWeight: must be <= 1"),
    (make_spec(task="MNIST"), "task: must match the pattern"),
    (make_spec(specVersion=2), "specVersion: must be 1"),
    (make_spec(filter={"confidenceThreshold": -0.1}), "filter.confidenceThreshold: must be >= 0"),
    (make_spec(earlyStopping={"patience": 3, "validationFraction": 0}), "earlyStopping.validationFraction: must be > 0"),
    (make_spec(hook={"source": ""}), "hook.source: must be at least 1 characters long"),
    (make_spec(seed=-1), "seed: must be >= 0"),
    (make_spec(optimizer="sgd"), "optimizer: unknown field"),
]


@pytest.mark.parametrize("spec,expected", BAD_SPECS, ids=[expected.split(":")[0] for _, expected in BAD_SPECS])
def test_rejects_a_bad_spec_naming_the_field(tmp_path: Path, mnist1d_small, capsys, spec, expected) -> None:
    outcome = run_cli(tmp_path, spec, mnist1d_small.bundle, capsys=capsys)
    assert outcome.code == 2
    assert expected in outcome.stderr
    assert outcome.result is not None
    assert outcome.result["status"] == "failed"
    assert outcome.result["spec"] is None
    assert outcome.result["failure"]["kind"] == "invalid_spec"
    assert expected in outcome.result["failure"]["message"]


def test_reports_every_problem_of_a_spec_at_once() -> None:
    spec = make_spec(training={"epochs": 0, "learningRate": 2, "batchSize": 64}, loss={"kind": "nope"})
    with pytest.raises(TrainerFailure) as caught:
        parse_spec(json.dumps(spec), load_schema())
    for field in ("training.epochs", "training.learningRate", "loss.kind"):
        assert field in caught.value.message


def test_rejects_text_that_is_not_json_and_non_standard_numbers() -> None:
    for text in ("{not json", json.dumps(make_spec()).replace("0.002", "NaN")):
        with pytest.raises(TrainerFailure) as caught:
            parse_spec(text, load_schema())
        assert caught.value.kind == "invalid_spec"


def test_fills_defaults_from_the_schema_default_keywords() -> None:
    schema = load_schema()
    spec = parse_spec(json.dumps(make_spec(loss={"kind": "logconf"}, earlyStopping={"patience": 2})), schema)
    props = schema["properties"]
    assert spec["seed"] == props["seed"]["default"]
    assert spec["loss"]["auxWeight"] == props["loss"]["properties"]["auxWeight"]["default"]
    assert spec["loss"]["warmupFraction"] == props["loss"]["properties"]["warmupFraction"]["default"]
    assert spec["training"]["weightDecay"] == props["training"]["properties"]["weightDecay"]["default"]
    assert spec["earlyStopping"]["validationFraction"] == props["earlyStopping"]["properties"]["validationFraction"]["default"]
    assert "filter" not in spec and "hook" not in spec


def test_keeps_values_the_spec_gives_and_turns_integral_floats_into_ints() -> None:
    schema = load_schema()
    spec = fill_defaults({"seed": 7, "training": {"epochs": 4.0, "weightDecay": 0.1}}, schema)
    assert spec["seed"] == 7 and spec["training"]["weightDecay"] == 0.1
    assert spec["training"]["epochs"] == 4 and isinstance(spec["training"]["epochs"], int)


def test_reads_the_schema_named_by_aar_spec_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = json.loads(schema_path().read_text())
    schema["properties"]["training"]["properties"]["epochs"]["maximum"] = 2
    custom = tmp_path / "experiment-spec.schema.json"
    custom.write_text(json.dumps(schema))
    monkeypatch.setenv("AAR_SPEC_SCHEMA", str(custom))
    assert schema_path() == custom
    with pytest.raises(TrainerFailure) as caught:
        parse_spec(json.dumps(make_spec()), load_schema())
    assert "training.epochs: must be <= 2" in caught.value.message


def test_the_process_exits_2_for_an_invalid_spec(tmp_path: Path, mnist1d_small) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(make_spec(training={"epochs": 500, "learningRate": 0.1, "batchSize": 8})))
    out = tmp_path / "result.json"
    completed = run_subprocess(
        ["run", "--spec", str(spec), "--bundle", str(mnist1d_small.bundle), "--out", str(out)], module="student"
    )
    assert completed.returncode == 2
    assert "training.epochs: must be <= 200" in completed.stderr
    assert json.loads(out.read_text())["failure"]["kind"] == "invalid_spec"


def test_an_invalid_seed_override_is_an_invalid_spec(tmp_path: Path, mnist1d_small, capsys) -> None:
    outcome = run_cli(tmp_path, make_spec(), mnist1d_small.bundle, "--seed", str(2**31), capsys=capsys)
    assert outcome.code == 2
    assert "seed: must be <= 2147483647" in outcome.stderr
