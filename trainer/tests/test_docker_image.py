"""The image copies only trainer code and shared schemas: never labels or bundles."""

from __future__ import annotations

import fnmatch
import re
import shlex

from .conftest import REPO_ROOT, TRAINER_DIR

DOCKERFILE = TRAINER_DIR / "Dockerfile"
IGNORE = TRAINER_DIR / "Dockerfile.dockerignore"
FORBIDDEN = ("label", ".npz", ".npy", ".pt", "data/")


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _copy_sources() -> list[str]:
    sources = []
    for instruction, args in _instructions():
        if instruction in ("COPY", "ADD"):
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            sources += words[:-1]
    return sources


def test_copies_only_trainer_code_and_core_schemas() -> None:
    sources = _copy_sources()
    assert sources, "no COPY found"
    for source in sources:
        assert source.startswith("trainer/") or re.fullmatch(r"core/schemas/[\w.-]+\.schema\.json", source), source
        assert not any(word in source.lower() for word in FORBIDDEN), source
    for _, args in _instructions():
        assert "labels.json" not in args


def test_uses_an_official_cuda_pytorch_base_and_a_non_root_user() -> None:
    instructions = _instructions()
    base = next(args for instruction, args in instructions if instruction == "FROM")
    assert re.fullmatch(r"pytorch/pytorch:2\.[\d.]+-cuda12\.[\d.]+-cudnn\d+-runtime", base), base
    user = [args for instruction, args in instructions if instruction == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")


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


def test_the_build_context_excludes_label_stores_and_bundles() -> None:
    patterns = [line.strip() for line in IGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "the ignore file must be an allow-list"
    for path in ("labels.json", "trainer/labels.json", "tmp/mnist1d/labels.json", "trainer/bundle.npz",
                 "bench/out/bundle.npz", "server/fixtures/test-labels.json", "tests/fixtures/x.npy", "db/seed.sql"):
        assert _ignored(path, patterns), path
    for path in ("trainer/run.py", "trainer/tasks/mnist1d.py", "core/schemas/experiment-spec.schema.json"):
        assert not _ignored(path, patterns), path


def test_the_schemas_the_image_copies_exist() -> None:
    for source in _copy_sources():
        if source.startswith("core/"):
            assert (REPO_ROOT / source).is_file(), source
