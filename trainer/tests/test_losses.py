"""The named losses, and the logconf warm-up schedule (openai/weak-to-strong PR #33)."""

from __future__ import annotations

import pytest
import torch

from student.losses import LogConfidence, balanced_hardening, confidence_weight, product, soft_cross_entropy, xent


def test_logconf_weight_ramps_linearly_to_the_full_weight_at_the_end_of_warmup() -> None:
    assert confidence_weight(0.0, 0.5, 0.2) == 0.0
    assert confidence_weight(0.1, 0.5, 0.2) == pytest.approx(0.25)
    assert confidence_weight(0.2, 0.5, 0.2) == pytest.approx(0.5)
    assert confidence_weight(0.9, 0.5, 0.2) == pytest.approx(0.5)


def test_logconf_weight_has_no_jump_when_warmup_ends() -> None:
    # The reference code's weight went from warmup_frac * aux to aux in one step (PR #33).
    before, after = confidence_weight(0.2 - 1e-6, 0.5, 0.2), confidence_weight(0.2 + 1e-6, 0.5, 0.2)
    assert after - before < 1e-4


def test_logconf_without_warmup_uses_the_full_weight_from_the_first_step() -> None:
    assert confidence_weight(0.0, 0.5, 0.0) == 0.5


def test_logconf_equals_xent_before_warmup_and_pulls_towards_own_predictions_after() -> None:
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    weak = torch.tensor([[0.2, 0.8, 0.0], [0.8, 0.2, 0.0]])
    loss = LogConfidence(aux_weight=1.0, warmup_fraction=0.5)
    assert torch.isclose(loss(logits, weak, 0.0), xent(logits, weak, 0.0))
    own = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert torch.isclose(loss(logits, weak, 1.0), soft_cross_entropy(logits, own))


def test_logconf_hardening_keeps_the_weak_class_balance_instead_of_collapsing() -> None:
    # Every student row leans to class 0; the weak labels are balanced over classes 0 and 1.
    logits = torch.tensor([[1.0, 0.9, -5.0], [1.0, 0.1, -5.0], [1.0, 0.8, -5.0], [1.0, 0.2, -5.0]])
    weak = torch.tensor([[0.5, 0.5, 0.0]]).repeat(4, 1)
    hardened = balanced_hardening(logits, weak)
    assert hardened.sum(dim=0).tolist() == [2.0, 2.0, 0.0]  # a plain argmax would give [4, 0, 0]
    assert hardened[0].tolist() == [0.0, 1.0, 0.0] and hardened[1].tolist() == [1.0, 0.0, 0.0]


def test_product_stays_finite_when_weak_and_student_disagree_completely() -> None:
    logits = torch.tensor([[100.0, -100.0]], requires_grad=True)
    weak = torch.tensor([[0.0, 1.0]])
    value = product(logits, weak, 0.5)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()
