"""Text tasks on Hugging Face language models: the model family, the JSONL importer, test models.

Only the modules that load models import ``transformers`` and ``peft`` (through
``libraries.lm_libraries``), and only when a text task runs: the bundled tasks need neither.
``jsonl`` and ``synthetic`` need only the standard library and numpy.
"""
