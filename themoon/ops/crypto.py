"""Encrypted backups: Fernet (the `cryptography` library) over the backup file, in chunks.

Fernet encrypts and authenticates one message held in memory. A café database is a few MB,
but the benchmark store of a million batches is 263 MB, so a file is encrypted as a sequence
of Fernet tokens of at most `CHUNK` plaintext bytes each — memory stays at a few MB whatever
the size. Chunks cannot be dropped, reordered, repeated or spliced in from another backup:
each token's plaintext starts with the file's random id, the chunk's number and a last-chunk
flag, all authenticated by Fernet; a file that ends before its last chunk, or goes on after
it, is refused.

File layout: `MAGIC` (8 bytes), file id (16 bytes), then per chunk a 4-byte big-endian token
length and the token. Encrypted backups are named `themoon-…db.enc`.

The key: `THEMOON_BACKUP_KEY_FILE` (default `$THEMOON_DATA_DIR/backup.key`), made on first
use with mode 600 (created exclusively, so two first backups cannot make two keys). A key
file that group or others can read is refused, never silently fixed: fix it with
`chmod 600`. Keep a copy of the key somewhere other than the backups (docs/operations.md): an
encrypted backup without its key is lost.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import struct
from collections.abc import Iterator
from pathlib import Path

from ..durable import fsync_dir
from . import data_dir, env

MAGIC = b"THMNENC1"
CHUNK = 4 * 1024 * 1024
_HEAD = struct.Struct(">16sQB")  # file id, chunk number, last flag
_LEN = struct.Struct(">I")
MAX_TOKEN = 2 * CHUNK  # base64 and Fernet's framing are well under 2x
SUFFIX = ".enc"
TRUE = ("1", "true", "yes", "on")


class CryptoError(RuntimeError):
    """A key that cannot be used, or a file that cannot be decrypted (wrong key, tampered)."""


def encrypt_by_default() -> bool:
    """THEMOON_BACKUP_ENCRYPT=1: every backup is encrypted without --encrypt."""
    return (env("THEMOON_BACKUP_ENCRYPT") or "").strip().lower() in TRUE


def key_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(env("THEMOON_BACKUP_KEY_FILE") or data_dir() / "backup.key")


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise CryptoError(f"key file {path} is not a regular file")
    if mode & 0o077:
        raise CryptoError(
            f"key file {path} is readable by others (mode {stat.S_IMODE(mode):03o}); run `chmod 600 {path}`"
        )


def load_key(path: str | os.PathLike | None = None, *, create: bool = False) -> bytes:
    """The Fernet key in the key file; with `create`, a new one is made (mode 600) if missing."""
    path = key_path(path)
    if not path.exists() and create:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = _new_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another backup made it a moment ago: use theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            fsync_dir(path.parent)
    if not path.exists():
        raise CryptoError(f"no backup key at {path} (it is made by the first `themoon backup --encrypt`)")
    _check_private(path)
    key = path.read_bytes().strip()
    try:
        _fernet(key)
    except ValueError:
        raise CryptoError(f"{path} does not hold a Fernet key") from None
    return key


def _new_key() -> bytes:
    from cryptography.fernet import Fernet

    return Fernet.generate_key()


def _fernet(key: bytes):
    from cryptography.fernet import Fernet

    return Fernet(key)


def is_encrypted(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def encrypt_file(source: Path, target: Path, key: bytes) -> str:
    """Encrypt `source` into `target` (chunked, fsynced); returns the SHA-256 of the plaintext."""
    fernet = _fernet(key)
    file_id = secrets.token_bytes(16)
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(target, "wb") as writer:
        os.fchmod(writer.fileno(), 0o600)
        writer.write(MAGIC + file_id)
        number = 0
        chunk = reader.read(CHUNK)
        while True:
            following = reader.read(CHUNK)
            last = not following
            digest.update(chunk)
            token = fernet.encrypt(_HEAD.pack(file_id, number, int(last)) + chunk)
            writer.write(_LEN.pack(len(token)) + token)
            if last:
                break
            chunk, number = following, number + 1
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest()


def decrypt_chunks(source: Path, key: bytes) -> Iterator[bytes]:
    """The plaintext of an encrypted backup, chunk by chunk; CryptoError on a wrong key or any
    change to the file (a chunk altered, dropped, reordered, truncated or appended)."""
    from cryptography.fernet import InvalidToken

    fernet = _fernet(key)
    with open(source, "rb") as reader:
        head = reader.read(len(MAGIC) + 16)
        if len(head) != len(MAGIC) + 16 or head[: len(MAGIC)] != MAGIC:
            raise CryptoError(f"{source} is not an encrypted themoon backup")
        file_id = head[len(MAGIC) :]
        number = 0
        while True:
            size = reader.read(_LEN.size)
            if len(size) != _LEN.size:
                raise CryptoError(f"{source} is cut short (chunk {number} missing): the file was changed")
            (length,) = _LEN.unpack(size)
            if not 0 < length <= MAX_TOKEN:
                raise CryptoError(f"{source} has a damaged chunk {number}: the file was changed")
            token = reader.read(length)
            try:
                plain = fernet.decrypt(token)
            except InvalidToken:
                raise CryptoError(
                    f"cannot decrypt {source}: wrong key, or the file was changed (chunk {number})"
                ) from None
            found_id, found_number, last = _HEAD.unpack_from(plain)
            if found_id != file_id or found_number != number:
                raise CryptoError(f"{source} has chunks out of place: the file was changed")
            yield plain[_HEAD.size :]
            if last:
                break
            number += 1
        if reader.read(1):
            raise CryptoError(f"{source} goes on after its last chunk: the file was changed")


def decrypt_file(source: Path, target: Path, key: bytes) -> str:
    """Decrypt into `target` (mode 600, fsynced), returns the plaintext SHA-256; on any error
    the partial target is removed."""
    digest = hashlib.sha256()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as writer:
            for chunk in decrypt_chunks(source, key):
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def plaintext_digest(source: Path, key: bytes) -> str:
    """SHA-256 of what the encrypted file decrypts to, without writing it anywhere."""
    digest = hashlib.sha256()
    for chunk in decrypt_chunks(source, key):
        digest.update(chunk)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()
