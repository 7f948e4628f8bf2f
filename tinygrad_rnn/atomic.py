"""Replacing a file all at once: what every save of the package goes through.

The data goes to a temporary file beside the target (same folder, so the
rename is atomic), is flushed to disk, and is then renamed over the target.
A failure at any point leaves the previous file as it was, and no temporary
file behind. Writing through a symbolic link writes the file it points to
(the link stays a link); an existing file keeps its permissions. A target
that is not a regular file (``/dev/stdout``, a pipe) is written directly:
there is no file to keep.

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


def write_bytes(path: str | os.PathLike, data: bytes, caller: str = "write") -> None:
    """Replaces ``path`` with ``data`` all at once; ``caller`` names the function in error messages.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.svg")
    >>> write_bytes(path, b"<svg/>", "save"); os.listdir(os.path.dirname(path))
    ['a.svg']
    """
    replace_file(path, lambda f: f.write(data), caller)


def replace_file(path: str | os.PathLike, write: Callable[[BinaryIO], object], caller: str = "write") -> None:
    """Replaces ``path`` with what ``write`` writes into the open temporary file, all at once.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "b.txt")
    >>> replace_file(path, lambda f: f.write(b"two lines\\n" * 2)); open(path).read().count("\\n")
    2
    """
    target = os.path.realpath(os.fspath(path))  # through symbolic links: replace the file, not the link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{caller}: the folder {folder} does not exist (for {os.fspath(path)})")
    if os.path.isdir(target):
        raise IsADirectoryError(f"{caller}: {os.fspath(path)} is a folder; give a file name")
    if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):  # a device or a pipe: no file to keep
        with open(target, "wb") as f:
            write(f)
        return
    fd, tmp = _open_temporary(target, caller)
    try:
        with os.fdopen(fd, "wb") as f:  # owns the descriptor from here on, whatever fails
            _keep_permissions(f.fileno(), target)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _sync_folder(folder)


def _open_temporary(path: str, caller: str) -> tuple[int, str]:
    """A new file beside ``path``, with the usual permissions."""
    folder, name = os.path.split(path)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.tmp-{secrets.token_hex(6)}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
        except PermissionError:
            raise PermissionError(f"{caller}: cannot write {path}: no permission to create files in {folder}") from None
    raise FileExistsError(f"{caller}: could not create a temporary file beside {path}")


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
