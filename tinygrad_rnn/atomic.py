"""Replacing a file all at once: what every save of the package goes through.

The data goes to a temporary file beside the target (same folder, so the
rename is atomic), is flushed to disk, and is then renamed over the target.
A failure at any point leaves the previous file as it was, and no temporary
file behind. Writing through a symbolic link writes the file it points to
(the link stays a link); an existing file keeps its permissions.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
>>> write_bytes(path, b"hello")
>>> open(path, "rb").read()
b'hello'
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from typing import BinaryIO


def write_bytes(path: str | os.PathLike, data: bytes, action: str = "write") -> None:
    """Replaces ``path`` with ``data`` atomically; ``action`` names the caller in error messages."""
    replace_file(path, lambda f: f.write(data), action)


def replace_file(path: str | os.PathLike, write: Callable[[BinaryIO], object], action: str = "write") -> None:
    """Replaces ``path`` with what ``write`` writes into the open temporary file, atomically."""
    target = os.path.realpath(os.fspath(path))  # through symbolic links: replace the file, not the link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{action}: the folder {folder} does not exist (for {os.fspath(path)})")
    if os.path.isdir(target):
        raise IsADirectoryError(f"{action}: {os.fspath(path)} is a folder; give a file name")
    fd, tmp = _open_temporary(target, action)
    try:
        _keep_permissions(fd, target)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _sync_folder(folder)


def _open_temporary(path: str, action: str) -> tuple[int, str]:
    """A new file beside ``path``, with the usual permissions."""
    folder, name = os.path.split(path)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.tmp-{secrets.token_hex(6)}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
        except PermissionError:
            raise PermissionError(f"{action}: cannot write {path}: no permission to create files in {folder}") from None
    raise FileExistsError(f"{action}: could not create a temporary file beside {path}")


def _keep_permissions(fd: int, target: str) -> None:
    """Gives the new file the permission bits of the file it replaces (a 0600 file stays 0600)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def _sync_folder(folder: str) -> None:
    """Makes the rename itself durable where the OS allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
