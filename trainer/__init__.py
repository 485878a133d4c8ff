"""AAR trainer: the PyTorch weak-to-strong job (task preparation and student runs).

Run it as ``python3 -m trainer <command>``; see ``trainer/README.md``.
"""

TRAINER_VERSION = "0.1.0"
