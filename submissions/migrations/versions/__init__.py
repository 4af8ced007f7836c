"""Migration scripts, one revision per file (``NNNN_<slug>.py``); see submissions/README.md."""
