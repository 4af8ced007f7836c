"""Shared foundation: settings, text normalisation, process orchestration."""
import os as _os

# No model or data set may be fetched at run time: every model comes from an installed package.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
