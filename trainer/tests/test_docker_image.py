"""The images copy only code and shared schemas, never labels or bundles; the student image,
which runs agent code, holds no trusted (``trainer/``) file at all."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, TRAINER_DIR

STUDENT_DIR = REPO_ROOT / "student"
IMAGES = {
    "launcher": (TRAINER_DIR / "Dockerfile", TRAINER_DIR / "Dockerfile.dockerignore", ("trainer/", "student/"), "trainer"),
    "student": (STUDENT_DIR / "Dockerfile", STUDENT_DIR / "Dockerfile.dockerignore", ("student/",), "student"),
}
FORBIDDEN = ("label", ".npz", ".npy", ".pt", "data/")


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for instruction, args in _instructions(dockerfile):
        if instruction in ("COPY", "ADD"):
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            sources += words[:-1]
    return sources


def _patterns(ignore: Path) -> list[str]:
    return [line.strip() for line in ignore.read_text().splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_copies_only_code_and_core_schemas(image: str) -> None:
    dockerfile, _, code_dirs, _ = IMAGES[image]
    sources = _copy_sources(dockerfile)
    assert sources, "no COPY found"
    for source in sources:
        assert source.startswith(code_dirs) or re.fullmatch(r"core/schemas/[\w.-]+\.schema\.json", source), source
        assert not any(word in source.lower() for word in FORBIDDEN), source
    for _, args in _instructions(dockerfile):
        assert "labels.json" not in args


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_uses_an_official_cuda_pytorch_base_a_non_root_user_and_its_package(image: str) -> None:
    dockerfile, _, _, package = IMAGES[image]
    instructions = _instructions(dockerfile)
    base = next(args for instruction, args in instructions if instruction == "FROM")
    assert re.fullmatch(r"pytorch/pytorch:2\.[\d.]+-cuda12\.[\d.]+-cudnn\d+-runtime", base), base
    user = [args for instruction, args in instructions if instruction == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert user[-1].split(":")[0] == "10001"
    entrypoint = [args for instruction, args in instructions if instruction == "ENTRYPOINT"]
    assert entrypoint == [f'["python3", "-m", "{package}"]']


def test_both_images_pin_the_same_packages() -> None:
    def pins(dockerfile: Path) -> list[str]:
        return [args for instruction, args in _instructions(dockerfile) if instruction == "RUN" and "pip install" in args]

    assert pins(IMAGES["student"][0]) == pins(IMAGES["launcher"][0])


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes (``**`` spans folders)."""
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        candidates = [path] + [path[: i] for i, ch in enumerate(path) if ch == "/"]
        regex = fnmatch.translate(body).replace(".*.*/", "(?:.*/)?")
        if any(re.match(regex, candidate) for candidate in candidates):
            verdict = not negate
    return verdict


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_the_build_context_excludes_label_stores_and_bundles(image: str) -> None:
    patterns = _patterns(IMAGES[image][1])
    assert patterns[0] == "*", "the ignore file must be an allow-list"
    for path in ("labels.json", "trainer/labels.json", "student/labels.json", "tmp/mnist1d/labels.json",
                 "trainer/bundle.npz", "student/bundle.npz", "bench/out/bundle.npz", "server/fixtures/test-labels.json",
                 "tests/fixtures/x.npy", "db/seed.sql"):
        assert _ignored(path, patterns), path
    for path in ("student/run.py", "student/models.py", "core/schemas/experiment-spec.schema.json"):
        assert not _ignored(path, patterns), path


def test_the_launcher_context_holds_the_trainer() -> None:
    patterns = _patterns(IMAGES["launcher"][1])
    for path in ("trainer/prepare.py", "trainer/tasks/mnist1d.py", "trainer/upload.py"):
        assert not _ignored(path, patterns), path


def test_the_student_context_holds_no_trainer_file_at_all() -> None:
    patterns = _patterns(IMAGES["student"][1])
    trainer_files = [str(path.relative_to(REPO_ROOT)) for path in TRAINER_DIR.rglob("*") if path.is_file()]
    assert trainer_files
    for path in trainer_files + ["trainer", "trainer/launcher/main.py", "trainer/tasks/__init__.py"]:
        assert _ignored(path, patterns), path
    assert not any(line.lstrip("!").startswith("trainer") for line in patterns if line.startswith("!"))


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_the_schemas_the_image_copies_exist(image: str) -> None:
    for source in _copy_sources(IMAGES[image][0]):
        if source.startswith("core/"):
            assert (REPO_ROOT / source).is_file(), source
