"""The sandbox a student run executes in: a bubblewrap command line, built as a pure function.

What the sandbox holds (and nothing else of the host's filesystem):

* ``/usr`` (and the ``/bin``, ``/lib``, ``/lib64`` links), read-only: the Python installation
  and its libraries; ``/etc`` carries only ``alternatives`` and the loader cache;
* ``/opt/aar/student`` and ``/opt/aar/core/schemas``, read-only: the student runtime, which
  imports nothing trusted (no task generator, no label store, no upload code);
* ``/aar/in/spec.json`` and ``/aar/in/bundle.npz``, read-only: this run's inputs;
* ``/aar/out``, read-write: the run's private folder, where the result is written;
* a fresh ``/proc`` of its own PID namespace, a minimal ``/dev`` (plus GPU devices when the host
  has them) and a size-limited ``/tmp``.

No network namespace is shared (only a loopback no one listens on), nor IPC, PID or UTS. The
environment is built from an allow-list. The process runs as an unprivileged user with no
capabilities and ``no_new_privs``, under limits on address space, CPU seconds, processes, file
size and open files.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

IN_DIR = "/aar/in"
OUT_DIR = "/aar/out"
RUNTIME_DIR = "/opt/aar"
SPEC_PATH = f"{IN_DIR}/spec.json"
BUNDLE_PATH = f"{IN_DIR}/bundle.npz"
RESULT_PATH = f"{OUT_DIR}/result.json"

# The Debian packages that provide the tools, named in the refusal when one is missing.
TOOL_PACKAGES = {"bwrap": "bubblewrap", "strace": "strace", "setpriv": "util-linux", "prlimit": "util-linux"}

# First uid of the range sandboxed runs execute as when the launcher is root; a run's uid is
# chosen from the range by its id, so concurrent runs do not share one process limit.
SANDBOX_UID_BASE = 200_000
SANDBOX_UID_RANGE = 50_000


@dataclass(frozen=True)
class Limits:
    """What one run may use. ``wall_seconds`` is enforced by the supervisor, the rest by rlimits."""

    wall_seconds: int = 3600
    memory_bytes: int = 8 << 30
    processes: int = 256
    file_bytes: int = 1 << 30
    # Everything the run leaves in its writable folder together (the supervisor watches it).
    disk_bytes: int = 4 << 30
    open_files: int = 1024
    tmp_bytes: int = 256 << 20

    @property
    def cpu_seconds(self) -> int:
        # Training uses a few threads; a loop that spins on every core still stops.
        return self.wall_seconds * 4


@dataclass(frozen=True)
class SandboxRun:
    """One run as the sandbox sees it: host paths that get mounted, and what to execute."""

    python: str
    repo_root: Path
    spec: Path
    bundle: Path
    work_dir: Path
    seed: int
    threads: int = 1
    device: str = "auto"
    # The host folder of model weights (text tasks), mounted read-only at the same path.
    model_dir: Path | None = None
    run_id: str = ""


class SandboxUnavailable(Exception):
    """A tool the sandbox needs is missing: agent code is refused, never run unsandboxed."""


def require_tools(names: tuple[str, ...] = ("bwrap", "strace", "prlimit")) -> dict[str, str]:
    """The full paths of the sandbox tools; raises ``SandboxUnavailable`` naming the package to install."""
    found: dict[str, str] = {}
    for name in names + (("setpriv",) if os.geteuid() == 0 else ()):
        path = shutil.which(name, path=os.environ.get("PATH", "/usr/bin:/bin"))
        if path is None:
            raise SandboxUnavailable(
                f"the sandbox needs {name!r}, which is not installed: install the Debian package "
                f"{TOOL_PACKAGES[name]} (apt-get install {TOOL_PACKAGES[name]}, or make setup); "
                "agent code is never run without its sandbox"
            )
        found[name] = path
    return found


def sandbox_uid(run_id: str) -> int:
    """The unprivileged uid a run executes as (root launchers only): stable per run id."""
    digest = hashlib.sha256(run_id.encode()).digest()
    return SANDBOX_UID_BASE + int.from_bytes(digest[:4], "little") % SANDBOX_UID_RANGE


def python_prefix(python: str) -> Path | None:
    """The installation folder to mount for an interpreter outside ``/usr`` (a virtual environment)."""
    resolved = Path(python).absolute()
    if str(resolved).startswith("/usr/"):
        return None
    return resolved.parent.parent


def student_environment(run: SandboxRun) -> dict[str, str]:
    """The sandbox's whole environment: an allow-list, no token, key, URL or host path."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": OUT_DIR,
        "USER": "student",
        "LOGNAME": "student",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONPATH": RUNTIME_DIR,
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AAR_SPEC_SCHEMA": f"{RUNTIME_DIR}/core/schemas/experiment-spec.schema.json",
        "OMP_NUM_THREADS": str(run.threads),
        "MKL_NUM_THREADS": str(run.threads),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and all(part.strip().isalnum() for part in visible.split(",") if part.strip()):
        env["CUDA_VISIBLE_DEVICES"] = visible
    return env


def view_roots(run: SandboxRun) -> tuple[str, ...]:
    """Where a path inside the sandbox may lead without being a reach outside it (for the evidence)."""
    roots = ["/usr", "/bin", "/lib", "/lib64", "/etc", "/dev", "/tmp", "/aar", RUNTIME_DIR, "/proc/self", "/proc/thread-self"]
    # Read by libraries for CPU topology; not mounted, and holding nothing of the host's data.
    roots += ["/sys/devices/system", "/sys/fs/cgroup", "/sys/bus", "/sys/module", "/proc/sys", "/proc/driver"]
    prefix = python_prefix(run.python)
    if prefix is not None:
        roots.append(str(prefix))
    if run.model_dir is not None:
        roots.append(str(run.model_dir))
    return tuple(roots)


def student_command(run: SandboxRun) -> list[str]:
    """``python3 -m student run`` as the sandbox executes it, with paths inside the sandbox."""
    command = [run.python, "-m", "student", "run", "--spec", SPEC_PATH, "--bundle", BUNDLE_PATH]
    command += ["--seed", str(run.seed), "--out", RESULT_PATH, "--threads", str(run.threads), "--device", run.device]
    return command


def bwrap_command(run: SandboxRun, tools: dict[str, str], limits: Limits, as_root: bool) -> list[str]:
    """The whole command line: bubblewrap, then privilege drop and limits, then the student."""
    args = [tools["bwrap"], "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        args += ["--unshare-user", "--disable-userns"]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    args += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin"]
    args += ["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"]
    args += ["--perms", "0755", "--dir", "/etc"]
    for etc in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    prefix = python_prefix(run.python)
    if prefix is not None:
        args += _parents(prefix) + ["--ro-bind", str(prefix), str(prefix)]
    args += ["--perms", "0755", "--dir", RUNTIME_DIR]
    args += ["--ro-bind", str(run.repo_root / "student"), f"{RUNTIME_DIR}/student"]
    args += ["--perms", "0755", "--dir", f"{RUNTIME_DIR}/core"]
    args += ["--ro-bind", str(run.repo_root / "core" / "schemas"), f"{RUNTIME_DIR}/core/schemas"]
    args += ["--perms", "0755", "--dir", "/aar", "--perms", "0755", "--dir", IN_DIR]
    args += ["--ro-bind", str(run.spec), SPEC_PATH, "--ro-bind", str(run.bundle), BUNDLE_PATH]
    args += ["--bind", str(run.work_dir), OUT_DIR]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for device in sorted(glob.glob("/dev/nvidia*")):
        args += ["--dev-bind", device, device]
    args += ["--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    if run.model_dir is not None:
        # At its own path, so a spec's model.path (which must lie under it) means the same inside.
        args += _parents(run.model_dir) + ["--ro-bind", str(run.model_dir), str(run.model_dir)]
    args += ["--clearenv"]
    for key, value in student_environment(run).items():
        args += ["--setenv", key, value]
    # Not the run folder itself: it belongs to the sandbox's uid, which bubblewrap is not yet.
    args += ["--chdir", "/aar", "--"]
    if as_root:
        uid = str(sandbox_uid(run.run_id))
        # Becoming a non-zero uid clears every capability; the bounding set goes too.
        args += [tools["setpriv"], f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    args += [
        tools["prlimit"],
        f"--as={limits.memory_bytes}",
        f"--cpu={limits.cpu_seconds}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]
    return args + student_command(run)


def _parents(path: Path) -> list[str]:
    """Searchable parent folders for a mount at ``path`` (bubblewrap makes missing ones 0700)."""
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        if str(parent) in ("/", "/usr", "/tmp"):
            continue
        args += ["--perms", "0755", "--dir", str(parent)]
    return args
