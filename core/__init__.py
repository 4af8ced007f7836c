"""The base every other package builds on: settings, text normalisation, files, time, personal
data (patterns, masks, encryption), database engines, the action server's shared secret and the
server side of warm standby. It imports nothing from bot, web, index, insights, submissions or
launch (tests/unit/test_layering.py)."""
import os as _os

# No model or data set may be fetched at run time: every model comes from an installed package.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
