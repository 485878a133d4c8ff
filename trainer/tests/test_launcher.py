"""The trusted launcher's pure parts: the sandbox command, the evidence parser, the delivered result."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from trainer.launcher.deliver import assemble, exit_code_of
from trainer.launcher.evidence import Evidence, classify
from trainer.launcher.sandbox import Limits, SandboxRun, bwrap_command, sandbox_uid, student_environment, view_roots
from trainer.launcher.supervise import disk_usage

TOOLS = {"bwrap": "/usr/bin/bwrap", "strace": "/usr/bin/strace", "prlimit": "/usr/bin/prlimit", "setpriv": "/usr/bin/setpriv"}
SPEC = {"specVersion": 1, "task": "mnist1d", "loss": {"kind": "xent"}, "training": {"epochs": 1, "learningRate": 0.01, "batchSize": 8}}


def _run(tmp_path: Path) -> SandboxRun:
    return SandboxRun(
        python="/usr/bin/python3",
        repo_root=Path("/repo"),
        spec=tmp_path / "spec.json",
        bundle=tmp_path / "bundle.npz",
        work_dir=tmp_path / "work",
        seed=3,
        run_id="exp-s3-a1",
    )


def test_the_sandbox_environment_holds_no_token_key_or_url(monkeypatch, tmp_path):
    monkeypatch.setenv("AAR_UPLOAD_TOKEN", "secret-token")
    monkeypatch.setenv("DATABASE_URL", "postgres://x")
    env = student_environment(_run(tmp_path))
    assert not [k for k in env if any(w in k for w in ("TOKEN", "KEY", "SECRET", "DATABASE", "URL", "PASSWORD"))]
    assert "secret-token" not in json.dumps(env)


def test_the_sandbox_command_clears_the_environment_shares_no_network_and_mounts_inputs_read_only(tmp_path):
    command = bwrap_command(_run(tmp_path), TOOLS, Limits(), as_root=True)
    assert command[0] == "/usr/bin/bwrap"
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--clearenv", "--die-with-parent"):
        assert flag in command
    joined = " ".join(command)
    assert f"--ro-bind {tmp_path / 'bundle.npz'} /aar/in/bundle.npz" in joined
    assert f"--ro-bind {tmp_path / 'spec.json'} /aar/in/spec.json" in joined
    assert f"--bind {tmp_path / 'work'} /aar/out" in joined
    assert "--ro-bind /repo/student /opt/aar/student" in joined
    assert "/repo/trainer" not in joined and "/repo " not in joined + " "
    assert f"--reuid={sandbox_uid('exp-s3-a1')}" in joined and "--no-new-privs" in joined
    assert "--nproc=256" in joined and f"--as={8 << 30}" in joined


def test_an_unprivileged_launcher_uses_a_user_namespace_instead_of_setpriv(tmp_path):
    command = bwrap_command(_run(tmp_path), TOOLS, Limits(), as_root=False)
    assert "--unshare-user" in command and "--disable-userns" in command
    assert "/usr/bin/setpriv" not in command


def test_refused_reaches_are_evidence_and_probes_inside_the_view_are_not(tmp_path):
    roots = view_roots(_run(tmp_path))
    reach = '4242 openat(AT_FDCWD, "/work/.aar-state/secrets/operator-token", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)'
    probe = '4242 newfstatat(AT_FDCWD, "/usr/lib/python3/dist-packages/nothing.py", 0x7ffd, 0) = -1 ENOENT (No such file or directory)'
    net = '4242 connect(3, {sa_family=AF_INET, sin_port=htons(15432), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)'
    nscd = '4242 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)'
    other = '4242 openat(AT_FDCWD, "/proc/1/environ", O_RDONLY|O_CLOEXEC) = -1 EACCES (Permission denied)'
    escape = "4242 ptrace(PTRACE_ATTACH, 1) = -1 EPERM (Operation not permitted)"
    shadow = '4242 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = -1 ENOENT (No such file or directory)'
    assert classify(reach, roots) == {"event": "forbidden-path", "detail": "openat /work/.aar-state/secrets/operator-token (ENOENT)"}
    assert classify(probe, roots) is None
    assert classify(net, roots) == {"event": "network", "detail": "connect 127.0.0.1:15432 (ECONNREFUSED)"}
    assert classify(nscd, roots) is None
    assert classify(other, roots)["event"] == "forbidden-path"
    assert classify(escape, roots) == {"event": "escape", "detail": "ptrace refused (EPERM)"}
    assert classify(shadow, roots)["event"] == "forbidden-path"
    # A repository under /tmp lies below the sandbox's own /tmp: still a reach, unless a longer
    # root (a models folder mounted at its own path) holds the path.
    repo = '4242 openat(AT_FDCWD, "/tmp/clone/aar/.aar-state/secrets/operator-token", O_RDONLY) = -1 ENOENT (No such file or directory)'
    scratch = '4242 openat(AT_FDCWD, "/tmp/scratch.bin", O_RDONLY) = -1 ENOENT (No such file or directory)'
    model = '4242 openat(AT_FDCWD, "/tmp/clone/aar/models/tiny/config.json", O_RDONLY) = -1 ENOENT (No such file or directory)'
    hidden = ("/tmp/clone/aar",)
    assert classify(repo, roots, hidden)["event"] == "forbidden-path"
    assert classify(repo, roots) is None and classify(scratch, roots, hidden) is None
    assert classify(model, roots + ("/tmp/clone/aar/models",), hidden) is None


def test_evidence_skips_the_sandbox_set_up_and_joins_calls_split_across_threads(tmp_path):
    evidence = Evidence(roots=view_roots(_run(tmp_path)))
    evidence.feed('100 openat(AT_FDCWD, "/newroot/usr", O_RDONLY) = -1 ENOENT (No such file or directory)\n')
    evidence.feed('101 execve("/usr/bin/setpriv", ["setpriv"], 0x0 /* 2 vars */) = 0\n')
    evidence.feed('102 openat(AT_FDCWD, "/srv/labels.json", O_RDONLY <unfinished ...>\n')
    evidence.feed("103 futex(0x1, FUTEX_WAKE, 1) = 0\n")
    evidence.feed("102 <... openat resumed>) = -1 ENOENT (No such file or directory)\n")
    evidence.feed("104 clone(child_stack=NULL) = -1 EAGAIN (Resource temporarily unavailable)\n")
    assert evidence.events == [
        {"event": "forbidden-path", "detail": "openat /srv/labels.json (ENOENT)"},
        {"event": "limit", "detail": "clone failed (EAGAIN): process limit reached"},
    ]
    assert evidence.reached and evidence.limit_hits == 1


def _student_result(tmp_path: Path, **changes) -> Path:
    result = {
        "resultVersion": 1,
        "status": "succeeded",
        "task": "mnist1d",
        "seed": 3,
        "spec": None,
        "predictions": [[0.25, 0.75], [1.0, 0.0]],
        "curve": [],
        "weakValidationAccuracy": None,
        "stoppedEpoch": None,
        "trainExamples": 2,
        "wallSeconds": 0.001,
        "device": "cpu",
        "versions": {},
        "sandboxEvents": [],
        **changes,
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result))
    return path


def test_the_launcher_sets_wall_seconds_events_task_and_seed_whatever_the_student_wrote(tmp_path):
    path = _student_result(tmp_path, task="other", seed=99, wallSeconds=0.001)
    events = [{"event": "network", "detail": "connect 127.0.0.1:5432 (ECONNREFUSED)"}]
    result = assemble(path, {**SPEC, "seed": 3}, 3, 0, None, False, 60, 12.5, events)
    assert result["wallSeconds"] == 12.5 and result["task"] == "mnist1d" and result["seed"] == 3
    assert result["sandboxEvents"] == events and result["status"] == "succeeded"


def test_a_timed_out_or_killed_run_delivers_a_failure_not_what_it_left(tmp_path):
    path = _student_result(tmp_path)
    timed_out = assemble(path, SPEC, 0, None, signal.SIGKILL, True, 60, 60.2, [])
    assert timed_out["status"] == "failed" and timed_out["failure"]["kind"] == "timeout"
    assert "predictions" not in timed_out and exit_code_of(timed_out) == 7
    cpu = assemble(path, SPEC, 0, None, signal.SIGXCPU, False, 60, 30.0, [])
    assert cpu["failure"]["kind"] == "resource_limit" and exit_code_of(cpu) == 8
    disk = assemble(path, SPEC, 0, None, signal.SIGKILL, False, 60, 3.0, [], 0, 1 << 20)
    assert disk["failure"]["kind"] == "resource_limit" and "disk limit of 1048576 bytes" in disk["failure"]["message"]


def test_disk_usage_counts_every_entry_follows_no_link_and_stops_past_its_limit(tmp_path):
    (tmp_path / "big.bin").write_bytes(os.urandom(1 << 16))
    (tmp_path / "deep" / "er").mkdir(parents=True)
    for n in range(50):
        (tmp_path / "deep" / "er" / f"empty-{n}").touch()
    (tmp_path / "link").symlink_to("/usr")
    usage = disk_usage(tmp_path, 1 << 40)
    # 64 KiB of data, and at least one block for each of the 50 empty files, 2 folders and the link.
    assert (1 << 16) + 53 * 4096 <= usage < (1 << 16) + 53 * 4096 + (1 << 20)
    assert disk_usage(tmp_path, 10_000) < usage


def test_a_result_that_breaks_its_schema_or_is_not_json_becomes_an_internal_failure(tmp_path):
    broken = _student_result(tmp_path, predictions=[[2.0, -1.0]])
    result = assemble(broken, SPEC, 0, 0, None, False, 60, 5.0, [])
    assert result["failure"]["kind"] == "internal" and "schema" in result["failure"]["message"]
    (tmp_path / "result.json").write_text("[" * 100_000)
    result = assemble(tmp_path / "result.json", SPEC, 0, 3, None, False, 60, 5.0, [])
    assert result["status"] == "failed" and "not valid JSON" in result["failure"]["message"]


def test_a_result_file_that_links_elsewhere_is_refused_never_followed(tmp_path):
    secret = tmp_path / "labels.json"
    secret.write_text(json.dumps({"testLabels": [1, 2, 3]}))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "result.json").symlink_to(secret)
    result = assemble(tmp_path / "out" / "result.json", SPEC, 0, 0, None, False, 60, 5.0, [])
    assert result["status"] == "failed" and "cannot be delivered" in result["failure"]["message"]
    assert "testLabels" not in json.dumps(result)
    (tmp_path / "out" / "result.json").unlink()
    os.link(secret, tmp_path / "out" / "result.json")
    result = assemble(tmp_path / "out" / "result.json", SPEC, 0, 0, None, False, 60, 5.0, [])
    assert "not a plain file" in result["failure"]["message"]
