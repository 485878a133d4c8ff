"""Integrity evidence: the calls the sandbox refused, read from strace outside the sandbox.

strace runs outside the sandbox, as the sandbox's tracer, and prints only the system calls that
failed (``-Z``). Agent code cannot see, clear or outrun it: it is not in the agent's process,
PID namespace or filesystem, and a traced process cannot detach its tracer. A failed call is
evidence when it reached for something the sandbox withholds:

* ``network``: a connection, bind or send to any internet or Unix-socket address (the sandbox
  has only a loopback no one listens on);
* ``forbidden-path``: a file the sandbox does not hold (the repository, the state folder, a home,
  another process's ``/proc`` entry), i.e. an absolute path outside the sandbox's view;
* ``escape``: a call that only an escape attempt makes (``ptrace``, ``mount``, ``unshare``,
  ``setns``, ``bpf``, ``setuid`` ...);
* ``limit``: a resource limit was hit (a process could not be created); not a reach, reported
  so that a failed run says why.

Ordinary failures inside the view (Python probing for modules that are not there) are not
evidence.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

FILE_CALLS = (
    "open",
    "openat",
    "openat2",
    "creat",
    "execve",
    "execveat",
    "stat",
    "lstat",
    "newfstatat",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "chdir",
    "mkdir",
    "mkdirat",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "symlink",
    "symlinkat",
    "link",
    "linkat",
    "truncate",
    "inotify_add_watch",
)
NETWORK_CALLS = ("connect", "bind", "sendto", "sendmsg")
ESCAPE_CALLS = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "bpf",
    "perf_event_open",
    "init_module",
    "finit_module",
    "kexec_load",
    "setuid",
    "setgid",
    "setreuid",
    "setresuid",
    "capset",
    "keyctl",
    "add_key",
    "open_by_handle_at",
    "name_to_handle_at",
)
LIMIT_CALLS = ("clone", "clone3", "fork", "vfork")

# Calls that only ask whether a path exists. Python's imports make thousands of them, and a path
# outside the view does not exist in the sandbox, so they reveal nothing: not traced (each traced
# call stops the process for strace), though a line naming one is still classified.
PROBE_CALLS = ("stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2", "readlink", "readlinkat")

# The strace filter: every call above but the probes, nothing else (with seccomp-bpf, other calls
# run untraced).
TRACED_CALLS = tuple(c for c in FILE_CALLS if c not in PROBE_CALLS) + NETWORK_CALLS + ESCAPE_CALLS + LIMIT_CALLS

# Trusted code that is not in the sandbox: looking for it there is a reach all the same.
_TRUSTED_PATHS = ("/opt/aar/trainer", "/opt/aar/core/schemas/../../trainer")

# Inside roots of the view, but never probed by honest code: looking for them is a reach.
_SENSITIVE = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh/", "/etc/ssl/private", "/etc/kubernetes", "/etc/aar")

# Failed calls glibc makes on its own, not evidence of anything.
_BENIGN_SOCKETS = ("/var/run/nscd/socket", "/run/nscd/socket")

MAX_EVENTS = 50
REACH_KINDS = ("network", "forbidden-path", "escape")

_LINE = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+([a-z0-9_]+)\((.*)\)\s+=\s+-1\s+([A-Z0-9_]+)")
_PID = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+")
_UNFINISHED = " <unfinished ...>"
_RESUMED = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+<\.\.\. ([a-z0-9_]+) resumed>(.*)$")
_EXECVE = re.compile(r'^(?:\[pid\s+)?\d+\]?\s+execve\("([^"]*)".*\)\s+=\s+0\s*$')
_PATH = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FAMILY = re.compile(r"sa_family=(AF_[A-Z0-9]+)")
_INET = re.compile(r'sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6,\s*"([^"]+)")')
_UNIX = re.compile(r'sun_path=(@?"[^"]*")')


@dataclass
class Evidence:
    """Distinct events (at most ``MAX_EVENTS``), and how many failed calls were seen in all.

    Lines before the first ``execve`` of another program than the sandbox tool itself are
    bubblewrap building the sandbox, and are skipped. A call that strace splits in two
    (``<unfinished ...>`` then ``<... resumed>``, when threads interleave) is joined first.
    """

    roots: tuple[str, ...]
    # Host folders the sandbox never shows (the repository, the runs folder, the task cache): a
    # reach into one is evidence even where a root of the view covers the same path (a
    # repository under /tmp lies below the sandbox's own /tmp), unless a longer root is mounted there.
    forbidden: tuple[str, ...] = ()
    sandbox_tool: str = "bwrap"
    events: list[dict[str, str]] = field(default_factory=list)
    total: int = 0
    limit_hits: int = 0
    armed: bool = False
    _pending: dict[str, str] = field(default_factory=dict)

    def feed(self, line: str) -> None:
        """Reads one strace line; keeps it when it is evidence."""
        line = line.rstrip("\n")
        if line.endswith(_UNFINISHED):
            pid = _PID.match(line)
            if pid is not None and len(self._pending) < 4096:
                self._pending[pid.group(1)] = line[: -len(_UNFINISHED)]
            return
        resumed = _RESUMED.match(line)
        if resumed is not None:
            start = self._pending.pop(resumed.group(1), None)
            if start is None:
                return
            line = start + resumed.group(3)
        if not self.armed:
            execve = _EXECVE.match(line)
            if execve is not None and not execve.group(1).endswith("/" + self.sandbox_tool):
                self.armed = True
            return
        event = classify(line, self.roots, self.forbidden)
        if event is None:
            return
        self.total += 1
        if event["event"] == "limit":
            self.limit_hits += 1
        if len(self.events) < MAX_EVENTS and event not in self.events:
            self.events.append(event)

    @property
    def reached(self) -> bool:
        """Whether the code tried to reach something the sandbox withholds (a critical flag)."""
        return any(e["event"] in REACH_KINDS for e in self.events)


def classify(line: str, roots: tuple[str, ...], forbidden: tuple[str, ...] = ()) -> dict[str, str] | None:
    """The event one failed call stands for, or None when it is not evidence."""
    match = _LINE.match(line.strip())
    if match is None:
        return None
    _, call, args, errno = match.groups()
    if call in NETWORK_CALLS:
        return _network_event(call, args, errno)
    if call in ESCAPE_CALLS:
        return _event("escape", f"{call} refused ({errno})")
    if call in LIMIT_CALLS:
        return _event("limit", f"{call} failed ({errno}): process limit reached") if errno == "EAGAIN" else None
    if call in FILE_CALLS:
        path_match = _PATH.search(args)
        if path_match is None:
            return None
        path = path_match.group(1)
        if posixpath.normpath(path).startswith(_SENSITIVE):
            return _event("forbidden-path", f"{call} {path} ({errno})")
        if posixpath.normpath(path).startswith(_TRUSTED_PATHS):
            return _event("forbidden-path", f"{call} {path} ({errno}): trusted code is not in the sandbox")
        if not path.startswith("/"):
            return None
        if _deepest(path, forbidden) <= _deepest(path, roots) and _inside(path, roots):
            return None
        return _event("forbidden-path", f"{call} {path} ({errno})")
    return None


def _network_event(call: str, args: str, errno: str) -> dict[str, str] | None:
    family = _FAMILY.search(args)
    if family is None:
        return None
    name = family.group(1)
    if name == "AF_UNIX":
        path = _UNIX.search(args)
        target = path.group(1).strip('"') if path else "?"
        if target in _BENIGN_SOCKETS:
            return None
        return _event("network", f"{call} unix:{target} ({errno})")
    if name in ("AF_INET", "AF_INET6"):
        inet = _INET.search(args)
        if inet is None:
            return _event("network", f"{call} {name} ({errno})")
        port, v4, v6 = inet.groups()
        return _event("network", f"{call} {v4 or v6}:{port} ({errno})")
    if name == "AF_NETLINK":
        return None
    return _event("network", f"{call} {name} ({errno})")


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    normal = posixpath.normpath(path)
    if normal.startswith("/proc/") and not normal.startswith(("/proc/self", "/proc/thread-self")):
        # Another process's entry, in the sandbox's own PID namespace: nothing to read there.
        head = normal.split("/")[2]
        if head.isdigit():
            return False
    return any(normal == root or normal.startswith(root.rstrip("/") + "/") for root in roots)


def _deepest(path: str, roots: tuple[str, ...]) -> int:
    """The length of the longest of ``roots`` that holds ``path``; -1 when none does."""
    normal = posixpath.normpath(path)
    return max((len(r) for r in roots if normal == r or normal.startswith(r.rstrip("/") + "/")), default=-1)


def _event(kind: str, detail: str) -> dict[str, str]:
    return {"event": kind, "detail": detail[:500]}
