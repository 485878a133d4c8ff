"""What agent code tries while it runs is recorded in the result bundle; trainer code is not."""

from __future__ import annotations

from pathlib import Path

from .conftest import make_spec, run_cli

PROBING_HOOK = """
import socket
try:
    open('/etc/aar_test_labels.json')
except OSError:
    pass
try:
    socket.getaddrinfo('127.0.0.1', 9)
except OSError:
    pass

def loss(logits, weak_probs, progress):
    try:
        open('/etc/hostname').read()
    except OSError:
        pass
    return -(weak_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean()
"""

QUIET_HOOK = """
def loss(logits, weak_probs, progress):
    return -(weak_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean()
"""


def test_a_hook_reaching_for_labels_the_network_and_outside_files_is_recorded(tmp_path: Path, mnist1d_small) -> None:
    outcome = run_cli(tmp_path, make_spec(hook={"source": PROBING_HOOK}), mnist1d_small.bundle)
    assert outcome.result is not None and outcome.result["status"] == "succeeded"
    events = {(e["event"], e["detail"].split(" ")[0]) for e in outcome.result["sandboxEvents"]}
    assert ("open-label-like", "/etc/aar_test_labels.json") in events
    assert ("socket.getaddrinfo", "127.0.0.1") in events
    assert ("open-outside-run-folder", "/etc/hostname") in events
    assert len(outcome.result["sandboxEvents"]) == len(events), "each attempt is recorded once"


def test_a_quiet_hook_and_the_trainer_itself_record_nothing(tmp_path: Path, mnist1d_small) -> None:
    with_hook = run_cli(tmp_path, make_spec(hook={"source": QUIET_HOOK}), mnist1d_small.bundle)
    assert with_hook.result is not None and "sandboxEvents" not in with_hook.result
    plain = run_cli(tmp_path, make_spec(), mnist1d_small.bundle)
    assert plain.result is not None and "sandboxEvents" not in plain.result


def test_the_result_reports_how_much_the_student_agrees_with_its_weak_labels(tmp_path: Path, mnist1d_small) -> None:
    outcome = run_cli(tmp_path, make_spec(), mnist1d_small.bundle)
    assert outcome.result is not None
    assert 0.0 <= outcome.result["weakAgreement"] <= 1.0
