"""Text tasks on Hugging Face language models, trusted side: the JSONL importer and test models.

The student side (loading the model, encoding prompts) lives in ``student.lm``. ``jsonl``
and ``synthetic`` need only the standard library and numpy.
"""
