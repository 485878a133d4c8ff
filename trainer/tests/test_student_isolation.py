"""The student runtime stands alone: it never imports the trusted trainer, nor the network.

What a sandboxed student run can import is ``student/`` (and the standard library and
torch). If ``student`` imported ``trainer``, the task generators would be one import away
from agent code; if it reached the network, a hook could send the bundle or fetch a hint.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from student.bundle import read_bundle, write_bundle
from student.cli import main as student_main

from .conftest import REPO_ROOT, make_spec

STUDENT_DIR = REPO_ROOT / "student"
FORBIDDEN = ("trainer", "socket", "urllib", "http", "requests", "httpx", "aiohttp", "ftplib", "smtplib", "ssl")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in (
            "__import__",
            "import_module",
        ):
            names += [arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return names


def test_the_student_package_imports_neither_the_trainer_nor_the_network() -> None:
    files = sorted(STUDENT_DIR.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        for name in _imports(path):
            root = name.split(".")[0]
            assert root not in FORBIDDEN, f"{path.relative_to(REPO_ROOT)} imports {name}"


def test_the_student_has_no_url_handling() -> None:
    for path in sorted(STUDENT_DIR.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path.relative_to(REPO_ROOT)


def test_importing_the_student_run_loads_no_trainer_module() -> None:
    code = "import sys, student.cli, student.run; assert not [m for m in sys.modules if m.split('.')[0] == 'trainer']"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_student_runs_as_a_module_from_a_folder_without_the_trainer(tmp_path: Path) -> None:
    """As in the student image: ``student/`` and ``core/schemas/`` side by side, nothing else."""
    shutil.copytree(STUDENT_DIR, tmp_path / "student", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "core" / "schemas", tmp_path / "core" / "schemas")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AAR_SPEC_SCHEMA")}
    done = subprocess.run(
        [sys.executable, "-m", "student", "run", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    code = "from student.spec import schema_path; print(schema_path())"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == str(tmp_path / "core" / "schemas" / "experiment-spec.schema.json")


def test_a_bundle_url_is_just_a_missing_file(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(make_spec()))
    out = tmp_path / "result.json"
    code = student_main(["run", "--spec", str(spec), "--bundle", "http://127.0.0.1:9/bundle", "--out", str(out), "--device", "cpu"])
    assert code == 6
    assert json.loads(out.read_text())["failure"]["kind"] == "bundle_error"


def test_out_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        student_main(["run", "--spec", "s.json", "--bundle", "b.npz"])
    assert caught.value.code == 1 and "--out" in capsys.readouterr().err


def test_an_unknown_strong_model_in_the_bundle_is_a_bundle_error(tmp_path: Path, mnist1d_small) -> None:
    loaded = read_bundle(mnist1d_small.bundle.read_bytes())
    path = tmp_path / "bundle.npz"
    write_bundle(path, loaded.train_x, loaded.weak_probs, loaded.test_x, {**loaded.meta, "strongModel": "resnet-9000"})
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(make_spec()))
    out = tmp_path / "result.json"
    code = student_main(["run", "--spec", str(spec), "--bundle", str(path), "--out", str(out), "--device", "cpu"])
    result = json.loads(out.read_text())
    assert code == 6 and result["failure"]["kind"] == "bundle_error"
    assert "unknown model 'resnet-9000'" in result["failure"]["message"]
    assert result["sandboxEvents"] == []
