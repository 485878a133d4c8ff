"""The student side of text tasks: load the spec's Hugging Face model and encode prompts.

Only the modules that load models import ``transformers`` and ``peft`` (through
``libraries.lm_libraries``), and only when a text task runs: the bundled tasks need neither.
"""
