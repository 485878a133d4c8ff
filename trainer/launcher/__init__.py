"""The trusted launcher: runs a student inside its sandbox and delivers what it produced.

Agent code (a spec's loss hook, and the student run that executes it) never runs in this
process. The launcher builds the sandbox (bubblewrap: no network, an allow-listed environment,
a read-only view of the student runtime, Python and the run's inputs, one private writable
folder, an unprivileged user and resource limits), watches it from outside (strace records the
calls the sandbox refused: the integrity evidence), kills it at its wall-clock limit, measures
its wall time itself, and uploads the result with a token the sandbox never sees.

Commands (``python3 -m trainer.launcher``): ``run`` for the local executor; ``fetch-bundle``
and ``upload`` for the two trusted containers around the student container on Kubernetes.
"""
