"""Text tasks without the LM libraries: the bundle format, JSONL reading, and the lazy import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from student.bundle import read_bundle
from student.errors import TrainerFailure
from trainer.lm import synthetic
from student.lm.classifier import model_fingerprint
from trainer.lm.jsonl import read_jsonl_task
from student.text_bundle import TextBundle, write_text_bundle

from .conftest import REPO_ROOT, make_spec, run_cli

PROMPTS = ["review: warm bench answer:", "naïve — ünïcode ✓ answer:", "x"]


def _meta(fingerprint: str = "0" * 64) -> dict:
    return {"bundleFormatVersion": 2, "task": "reviews", "family": "jsonl-text", "inputKind": "text", "numClasses": 2,
            "classes": ["false", "true"], "sizes": {"trainGt": 1, "trainW2s": 3, "test": 3},
            "strongModel": {"family": "hf-causal-lm", "name": "m", "path": "/m", "fingerprint": fingerprint}}


def _write(path: Path, meta: dict | None = None) -> Path:
    weak = np.array([[0.2, 0.8], [0.9, 0.1], [0.5, 0.5]], dtype=np.float32)
    write_text_bundle(path, PROMPTS, weak, PROMPTS[::-1], meta or _meta())
    return path


def test_a_text_bundle_round_trips_its_prompts_byte_for_byte(tmp_path: Path) -> None:
    bundle = read_bundle(_write(tmp_path / "a.npz").read_bytes())
    assert isinstance(bundle, TextBundle)
    assert bundle.train_texts == PROMPTS and bundle.test_texts == PROMPTS[::-1] and bundle.num_classes == 2
    assert _write(tmp_path / "b.npz").read_bytes() == (tmp_path / "a.npz").read_bytes()
    with np.load(tmp_path / "a.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(["train_text", "train_offsets", "weak_probs", "test_text", "test_offsets", "meta"])


def test_a_text_bundle_with_broken_offsets_is_a_bundle_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["test_offsets"] = arrays["test_offsets"][::-1].copy()
    np.savez(tmp_path / "broken.npz", **arrays)
    with pytest.raises(TrainerFailure) as caught:
        read_bundle((tmp_path / "broken.npz").read_bytes())
    assert caught.value.kind == "bundle_error" and "offsets" in caught.value.message


def test_jsonl_labels_may_be_indices_booleans_or_named_classes(tmp_path: Path) -> None:
    for name, rows in (("train_label", [{"q": "a", "label": True}]), ("train_unlabel", [{"q": "b", "label": False}]),
                       ("test", [{"q": "c", "label": True}, {"q": "d", "label": False}])):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n\n")
    task = read_jsonl_task(tmp_path, template="Q: {q}")
    assert task.classes == ["false", "true"] and task.splits["test"].texts == ["Q: c", "Q: d"]
    assert task.splits["test"].labels.tolist() == [1, 0]
    (tmp_path / "test.jsonl").write_text(json.dumps({"q": "e", "label": "spam"}) + "\n")
    with pytest.raises(ValueError, match=r"test.jsonl:1: label 'spam' is not a class index"):
        read_jsonl_task(tmp_path, template="Q: {q}")
    named = read_jsonl_task(tmp_path, template="Q: {q}", classes=["ham", "spam"])
    assert named.splits["test"].labels.tolist() == [1] and named.splits["train_label"].labels.tolist() == [1]


def test_jsonl_errors_name_the_file_and_line(tmp_path: Path) -> None:
    synthetic.write_task(tmp_path, train_label=3, train_unlabel=3, test=3)
    with (tmp_path / "train_unlabel.jsonl").open("a") as file:
        file.write('{"text": "no label here"}\n')
    with pytest.raises(ValueError, match=r"train_unlabel.jsonl:4: no 'label' field"):
        read_jsonl_task(tmp_path)
    (tmp_path / "test.jsonl").unlink()
    with pytest.raises(ValueError, match="has no test.jsonl"):
        read_jsonl_task(tmp_path)


def test_the_bundled_tasks_never_import_the_lm_libraries() -> None:
    code = (
        "import sys, trainer.cli, student.run, trainer.prepare, trainer.measure, student.lm.classifier, trainer.lm.import_task; "
        "assert not {'transformers', 'peft'} & set(sys.modules), sorted({'transformers', 'peft'} & set(sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_text_task_without_the_lm_libraries_fails_with_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    bundle = _write(tmp_path / "bundle.npz", _meta(model_fingerprint(folder)))
    monkeypatch.setitem(sys.modules, "transformers", None)  # makes `import transformers` fail
    spec = make_spec(task="reviews", model={"family": "hf-causal-lm", "path": str(folder)})
    outcome = run_cli(tmp_path / "run", spec, bundle)
    assert outcome.code == 1 and outcome.result is not None
    assert outcome.result["failure"]["kind"] == "internal"
    assert "scripts/lm-deps.sh --print-python" in outcome.result["failure"]["message"]


def test_a_bundled_task_refuses_a_model_in_the_spec(tmp_path: Path, mnist1d_small) -> None:
    spec = make_spec(model={"family": "hf-causal-lm", "path": "/models/qwen3-4b-base"})
    outcome = run_cli(tmp_path, spec, mnist1d_small.bundle)
    assert outcome.code == 2 and outcome.result is not None
    assert outcome.result["failure"]["message"].startswith("model: task mnist1d fixes its own model")
