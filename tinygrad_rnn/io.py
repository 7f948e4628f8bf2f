"""save and load: state dicts as ``.npz`` files, written atomically, read without pickle.

Arrays are stored under their names (``np.load(path)["weight_ih_l0"]`` works
anywhere), and nested dicts, lists and numbers (an optimizer's state) under
a JSON description of the tree. A crash while saving leaves the previous
file intact: the data goes to a temporary file first, which is then renamed.

>>> import os, tempfile, tinygrad_rnn as tg
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> tg.save({"w": tg.ones(2, 3), "step": 7}, path)
>>> loaded = tg.load(path)
>>> loaded["w"].shape, loaded["step"]
((2, 3), 7)
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

from .atomic import replace_file
from .backend import get_backend, np
from .tensor import Tensor

_STRUCTURE = "__tinygrad_rnn_structure__"
_ARRAY_DTYPES = ("float32", "float64", "bool")  # and every integer type (loaded as int64)


def _flatten(obj: Any, key: str, arrays: dict[str, Any]) -> Any:
    """The JSON-able tree of ``obj``, with every array moved to ``arrays`` under its path."""
    if isinstance(obj, np.generic):  # a NumPy scalar (np.int64(3), np.float32(0.5)): a plain number
        obj = obj.item()
    if isinstance(obj, Tensor) or (hasattr(obj, "__array__") and not isinstance(obj, (int, float, bool, str))):
        array = obj.numpy() if isinstance(obj, Tensor) else np.asarray(obj)
        if array.dtype.kind not in "iu" and array.dtype.name not in _ARRAY_DTYPES:
            raise TypeError(
                f"save: cannot store an array of dtype {array.dtype} at {key or 'the top'}; "
                "use float32, float64, integers or bool"
            )
        if key in arrays or key == _STRUCTURE:
            raise ValueError(f"save: two entries would be stored under the same name {key!r}; rename one")
        _check_array_name(key)
        arrays[key] = array
        return {"__array__": key}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__} at {key or 'the top'}")
        return {"__dict__": [[k, _flatten(v, f"{key}/{k}" if key else str(k), arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_flatten(v, f"{key}/{i}" if key else str(i), arrays) for i, v in enumerate(obj)]
        return {"__list__": items, "tuple": isinstance(obj, tuple)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"save: cannot store {type(obj).__name__} at {key or 'the top'}; use tensors, arrays, numbers, "
        "strings, lists and dicts"
    )


_MAX_NAME_BYTES = 0xFFFF - len(".npy")  # a zip member's name is at most 65535 bytes


def _check_array_name(key: str) -> None:
    """Refuses a name the .npz could not give back (checked before anything is written)."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError(
            f"save: the name {key!r} cannot be stored: it is not valid Unicode text (a lone surrogate); "
            "use names that encode as UTF-8"
        ) from None
    if "\0" in key:
        raise ValueError(f"save: the name {key!r} contains a NUL character, which an .npz cannot store; rename it")
    if size > _MAX_NAME_BYTES:
        raise ValueError(
            f"save: a name of {size} bytes (UTF-8) cannot be stored; an .npz allows at most {_MAX_NAME_BYTES}"
        )


def _unflatten(tree: Any, arrays: Any, backend: Any) -> Any:
    if isinstance(tree, dict):
        if "__array__" in tree:
            return Tensor(arrays[tree["__array__"]], device=backend)
        if "__dict__" in tree:
            return {k: _unflatten(v, arrays, backend) for k, v in tree["__dict__"]}
        items = [_unflatten(v, arrays, backend) for v in tree["__list__"]]
        return tuple(items) if tree.get("tuple") else items
    return tree


def _write_npz(f: Any, arrays: dict[str, Any]) -> None:
    """The ``.npz`` layout of ``np.savez`` (one ``name.npy`` per array), for any names, never pickled."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save(obj: dict[str, Any], path: str | os.PathLike) -> None:
    """Writes a state dict (names → tensors, arrays, numbers, nested dicts) to ``path`` as .npz.

    Every name and value is checked first, so a checkpoint that could not be
    loaded back is refused before anything is written. The file is written
    beside ``path`` under a temporary name, flushed to disk and renamed over
    ``path``: a failure at any point leaves the previous file as it was, and
    no temporary file behind. Saving through a symbolic link writes the file
    it points to (the link stays a link); an existing file keeps its
    permissions.
    """
    if not isinstance(obj, dict):
        raise TypeError(f"save: expected a dict (e.g. model.state_dict()), got {type(obj).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save: path must be a str or os.PathLike, got {type(path).__name__}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {os.fspath(path)} is a folder; give a file name such as model.npz")
    arrays: dict[str, Any] = {}
    tree = _flatten(obj, "", arrays)
    arrays[_STRUCTURE] = np.asarray(json.dumps(tree))
    replace_file(path, lambda f: _write_npz(f, arrays), "save")


def load(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Reads what ``save`` wrote (or any plain .npz of arrays) onto ``map_location``.

    All or nothing: every array is read and checked before anything is returned.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load: path must be a str or os.PathLike, got {type(path).__name__}")
    try:
        backend = get_backend(map_location)
    except ValueError as error:
        raise ValueError(f"load: map_location: {error}") from None
    path = os.fspath(path)

    def unreadable(why: str) -> ValueError:
        return ValueError(
            f"load: {path} is not a readable checkpoint (truncated, or not an .npz written by save): {why}"
        )

    try:
        npz = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise unreadable(str(exc)) from None
    if not hasattr(npz, "files"):  # a single .npy array
        raise unreadable("it holds a single array (.npy), not a dict of named arrays (.npz)")
    try:
        with npz:
            arrays = {name: npz[name] for name in npz.files}
        if _STRUCTURE not in arrays:
            return {name: Tensor(a, device=backend) for name, a in arrays.items()}
        tree = json.loads(str(arrays.pop(_STRUCTURE)))
        return _unflatten(tree, arrays, backend)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, TypeError) as exc:
        raise unreadable(f"{type(exc).__name__}: {exc}") from None
