"""Protection of personal data at rest: Fernet encryption and keyed hashes.

One secret, the Fernet key, protects everything:

* mobile, ID number, e-mail, name and address are stored as Fernet tokens (AES-128-CBC + HMAC);
* values that must be *compared* but never read back (the sender id, the lookup requester, the
  idempotency key, the tracking number + mobile last-4 pair) are stored as HMAC-SHA256 digests,
  each purpose with its own sub-key derived from the Fernet key by HKDF, so a digest made for one
  purpose is useless for another.

The key comes from ``DATA_KEY`` (url-safe base64, as made by ``Fernet.generate_key()``). When it
is unset, a key is generated once into ``<data_dir>/secret.key`` (mode 0600) and reused. Losing
that key makes the encrypted fields unreadable; a deployment should set ``DATA_KEY`` and back it up.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import tempfile
from pathlib import Path
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_FILE_NAME = "secret.key"


class DataKeyError(ValueError):
    """DATA_KEY (or the generated key file) is not a usable Fernet key, or not the key the data
    was encrypted with; the message (Chinese) says which."""


def _check_key(key: bytes, source: str) -> bytes:
    try:
        if len(base64.urlsafe_b64decode(key)) != 32:
            raise ValueError
        Fernet(key)
    except (ValueError, binascii.Error) as exc:
        raise DataKeyError(
            f"{source} 不是有效的 Fernet 密钥（应为 32 字节的 url-safe base64，"
            "可用 python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' 生成）"
        ) from exc
    return key


def load_or_create_key_file(data_dir: Path) -> bytes:
    """Read ``<data_dir>/secret.key``, creating it (0600) first if it does not exist.

    Creation is atomic and never overwrites: the key is written to a private temporary file that
    is then hard-linked into place, so two processes starting together end up sharing one key.
    """
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=data_dir, prefix=".secret-key-")  # mode 0600
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process won the race; use its key
        finally:
            os.unlink(temporary)
    return _check_key(path.read_bytes().strip(), str(path))


def resolve_data_key(data_key: str, data_dir: Path) -> bytes:
    """The configured ``DATA_KEY``, or the key file under ``data_dir`` when it is empty."""
    if data_key:
        return _check_key(data_key.encode("ascii", "replace"), "DATA_KEY")
    return load_or_create_key_file(data_dir)


class DataProtector:
    """Encrypts, decrypts and hashes personal data with one Fernet key."""

    def __init__(self, fernet_key: bytes) -> None:
        self._fernet = Fernet(_check_key(fernet_key, "key"))
        self._root = base64.urlsafe_b64decode(fernet_key)
        self._subkeys: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return "DataProtector(<key hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def encrypt_optional(self, plaintext: Optional[str]) -> Optional[str]:
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DataKeyError("无法解密已保存的数据：当前密钥与加密时使用的密钥不一致（请检查 DATA_KEY）") from exc

    def decrypt_optional(self, token: Optional[str]) -> Optional[str]:
        return None if token is None else self.decrypt(token)

    def _subkey(self, purpose: str) -> bytes:
        if purpose not in self._subkeys:
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"xinfang-submissions:{purpose}".encode())
            self._subkeys[purpose] = hkdf.derive(self._root)
        return self._subkeys[purpose]

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 hex digest of ``value`` under the sub-key for ``purpose``."""
        return hmac.new(self._subkey(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()
