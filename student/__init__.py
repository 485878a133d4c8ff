"""AAR student runtime: the only Python code a sandboxed student run sees.

``python3 -m student run`` trains one weak-to-strong student from a spec and a task bundle
(both local files) and writes its result bundle. Everything here runs agent code (a loss
hook), so nothing here may know a test label, a data secret or the network: this package
never imports ``trainer`` (the trusted side: task generators, label stores, uploads), and a
test keeps it that way. See ``trainer/README.md``.
"""

# Reported as ``versions.trainer`` in every result bundle (the result schema's name for it).
TRAINER_VERSION = "0.2.0"
