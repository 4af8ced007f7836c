"""Train the Rasa model only when its inputs changed.

The fingerprint covers everything that shapes the model: the pipeline and policies, the domain,
the training data (including the jieba dictionary), the source of the project's own NLU
components and the Rasa version. A model trained from the same inputs is reused, so starting the
assistant does not retrain, and switching branches back and forth reuses earlier models.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import logging
import os
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

CONFIG_FILE = PROJECT_ROOT / "config.yml"
DOMAIN_DIR = PROJECT_ROOT / "bot" / "domain"
DATA_DIR = PROJECT_ROOT / "bot" / "data"
# Code that runs inside the NLU pipeline: a change to it changes what the model learns.
PIPELINE_CODE = (PROJECT_ROOT / "bot" / "nlu", PROJECT_ROOT / "bot" / "emergency.py", PROJECT_ROOT / "core" / "textnorm.py")
TRAINING_INPUTS = (CONFIG_FILE, DOMAIN_DIR, DATA_DIR, *PIPELINE_CODE)


def _files_under(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def training_fingerprint(inputs: tuple[Path, ...] = TRAINING_INPUTS, root: Path = PROJECT_ROOT) -> str:
    """Hash of the Rasa version and of every input file's path (relative to ``root``) and content."""
    digest = hashlib.sha256(f"rasa=={importlib.metadata.version('rasa')}".encode())
    for location in inputs:
        for file in _files_under(location):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:20]


def model_path(settings: Settings, fingerprint: str | None = None) -> Path:
    return settings.model_dir / f"model-{fingerprint or training_fingerprint()}.tar.gz"


def current_model(settings: Settings) -> Path | None:
    """The model for the current inputs, if it was trained already."""
    path = model_path(settings)
    return path if path.is_file() else None


def train(settings: Settings, fingerprint: str) -> Path:
    """Run ``rasa train`` into a model named after the fingerprint."""
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    name = f"model-{fingerprint}"
    command = [
        str(Path(sys.executable).with_name("rasa")), "train",
        "--config", str(CONFIG_FILE),
        "--domain", str(DOMAIN_DIR),
        "--data", str(DATA_DIR),
        "--out", str(settings.model_dir),
        "--fixed-model-name", name,
        "--force",
    ]
    log_file = settings.model_dir / "train.log"
    log.info("training the Rasa model (inputs changed since the last model); log: %s", log_file)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TQDM_DISABLE": "1"}
    with open(log_file, "w", encoding="utf-8") as log_stream:
        finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=log_stream, stderr=subprocess.STDOUT)
    if finished.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        raise RuntimeError("rasa train failed:\n" + "\n".join(tail))
    path = settings.model_dir / f"{name}.tar.gz"
    if not path.is_file():
        raise RuntimeError(f"rasa train finished without writing {path}")
    return path


def ensure_model(settings: Settings) -> Path:
    """Return the model for the current inputs, training it first when needed."""
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.model_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one training at a time (run and tests may race)
        fingerprint = training_fingerprint()
        path = model_path(settings, fingerprint)
        if path.is_file():
            log.info("model is up to date: %s", path.name)
            path.touch()  # mark as recently used for pruning
            return path
        path = train(settings, fingerprint)
        prune_models(settings)
        return path


def prune_models(settings: Settings, keep: int = 3) -> None:
    """Delete all but the ``keep`` most recently used models (never the current one)."""
    current = model_path(settings)
    models = sorted(settings.model_dir.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != current][max(keep - 1, 0):]:
        old.unlink(missing_ok=True)
