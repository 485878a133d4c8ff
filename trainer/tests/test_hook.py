"""Agent-authored loss hooks: loading, and every way they can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import make_spec, run_cli

GOOD_HOOK = """
def loss(logits, weak_probs, progress):
    return -(weak_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean() * (1.0 + 0.0 * math.pi)
"""

FAILING_HOOKS = {
    "syntax-error": ("def loss(logits, weak_probs, progress)\n    return logits.sum()\n", "SyntaxError"),
    "raises": ("def loss(logits, weak_probs, progress):\n    raise ValueError('bad idea')\n", "ValueError: bad idea"),
    "raises-at-import": ("import numpy_that_does_not_exist\n", "ModuleNotFoundError"),
    "no-loss-function": ("def lost(logits, weak_probs, progress):\n    return logits.sum()\n", "must define a function loss"),
    "returns-a-float": ("def loss(logits, weak_probs, progress):\n    return 1.0\n", "must return a torch.Tensor"),
    "returns-a-vector": ("def loss(logits, weak_probs, progress):\n    return logits.sum(-1)\n", "must return a scalar"),
    "returns-detached": ("def loss(logits, weak_probs, progress):\n    return logits.sum().detach()\n", "without gradient"),
    "returns-nan": ("def loss(logits, weak_probs, progress):\n    return logits.sum() * float('nan')\n", "returned nan"),
    "shape-mismatch": ("def loss(logits, weak_probs, progress):\n    return (logits @ weak_probs).sum()\n", "RuntimeError"),
}


def test_a_hook_replaces_the_named_loss(tmp_path: Path, mnist1d_small) -> None:
    outcome = run_cli(tmp_path, make_spec(hook={"source": GOOD_HOOK}), mnist1d_small.bundle)
    assert outcome.code == 0
    assert outcome.result is not None and outcome.result["status"] == "succeeded"


@pytest.mark.parametrize("name", list(FAILING_HOOKS))
def test_a_broken_hook_fails_with_hook_error_and_exit_3(tmp_path: Path, mnist1d_small, capsys, name: str) -> None:
    source, expected = FAILING_HOOKS[name]
    outcome = run_cli(tmp_path, make_spec(hook={"source": source}), mnist1d_small.bundle, capsys=capsys)
    assert outcome.code == 3
    assert outcome.result is not None
    failure = outcome.result["failure"]
    assert failure["kind"] == "hook_error"
    assert expected in failure["message"] + failure.get("detail", "")
    assert "hook_error" in outcome.stderr
    assert outcome.result["spec"]["hook"]["source"] == source
    assert "predictions" not in outcome.result


def test_the_traceback_of_a_failing_hook_points_into_the_hook_source(tmp_path: Path, mnist1d_small) -> None:
    source = "def loss(logits, weak_probs, progress):\n    x = 1\n    return helper(x)\n\ndef helper(x):\n    return {}[x]\n"
    result = run_cli(tmp_path, make_spec(hook={"source": source}), mnist1d_small.bundle).result
    assert result is not None
    detail = result["failure"]["detail"]
    assert "<spec.hook.source>" in detail and "line 6" in detail and "KeyError" in detail


def test_a_hook_that_raises_mid_training_is_a_hook_error(tmp_path: Path, mnist1d_small) -> None:
    source = (
        "def loss(logits, weak_probs, progress):\n"
        "    if 0.4 < progress < 0.45:  # the probe calls at 0, 0.5 and 1\n"
        "        raise RuntimeError('late failure')\n"
        "    return -(weak_probs * torch.log_softmax(logits, -1)).sum(-1).mean()\n"
    )
    outcome = run_cli(tmp_path, make_spec(hook={"source": source}), mnist1d_small.bundle)
    assert outcome.code == 3
    assert outcome.result is not None and len(outcome.result["curve"]) >= 2  # the epochs before it are kept


def test_a_loss_that_turns_nan_during_training_is_nan_loss_with_exit_4(tmp_path: Path, mnist1d_small, capsys) -> None:
    source = (
        "def loss(logits, weak_probs, progress):\n"
        "    base = -(weak_probs * torch.log_softmax(logits, -1)).sum(-1).mean()\n"
        "    return base * float('nan') if 0.4 < progress < 0.45 else base\n"
    )
    outcome = run_cli(tmp_path, make_spec(hook={"source": source}), mnist1d_small.bundle, capsys=capsys)
    assert outcome.code == 4
    assert outcome.result is not None
    assert outcome.result["failure"]["kind"] == "nan_loss"
    assert "nan" in outcome.result["failure"]["message"]
    assert outcome.result["curve"][-1]["epoch"] >= 1
