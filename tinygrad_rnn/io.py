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
import tempfile
import zipfile
from typing import Any

from .backend import get_backend, host
from .tensor import Tensor

_STRUCTURE = "__tinygrad_rnn_structure__"


def _flatten(obj: Any, key: str, arrays: dict[str, Any]) -> Any:
    """The JSON-able tree of ``obj``, with every array moved to ``arrays`` under its path."""
    if isinstance(obj, Tensor):
        arrays[key] = obj.numpy()
        return {"__array__": key}
    if hasattr(obj, "__array__") and not isinstance(obj, (int, float, bool, str)):
        arrays[key] = host.asarray(obj)
        return {"__array__": key}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__} at {key or 'the top'}")
        return {"__dict__": [[k, _flatten(v, f"{key}/{k}" if key else str(k), arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_flatten(v, f"{key}/{i}" if key else str(i), arrays) for i, v in enumerate(obj)]
        return {"__list__": items, "tuple": isinstance(obj, tuple)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"save: cannot store {type(obj).__name__} at {key or 'the top'}; use tensors, arrays, numbers, "
                    "strings, lists and dicts")


def _unflatten(tree: Any, arrays: Any, backend: Any) -> Any:
    if isinstance(tree, dict):
        if "__array__" in tree:
            return Tensor(arrays[tree["__array__"]], device=backend)
        if "__dict__" in tree:
            return {k: _unflatten(v, arrays, backend) for k, v in tree["__dict__"]}
        items = [_unflatten(v, arrays, backend) for v in tree["__list__"]]
        return tuple(items) if tree.get("tuple") else items
    return tree


def save(obj: dict[str, Any], path: str | os.PathLike) -> None:
    """Writes a state dict (names → tensors, arrays, numbers, nested dicts) to ``path`` as .npz."""
    if not isinstance(obj, dict):
        raise TypeError(f"save: expected a dict (e.g. model.state_dict()), got {type(obj).__name__}")
    arrays: dict[str, Any] = {}
    tree = _flatten(obj, "", arrays)
    if _STRUCTURE in arrays:
        raise ValueError(f"save: the name {_STRUCTURE} is reserved")
    arrays[_STRUCTURE] = host.asarray(json.dumps(tree))
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            host.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Reads what ``save`` wrote (or any plain .npz of arrays) onto ``map_location``."""
    backend = get_backend(map_location)
    path = os.fspath(path)
    try:
        with host.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ValueError(
            f"load: {path} is not a readable checkpoint (truncated, or not an .npz written by save): {exc}"
        ) from None
    if _STRUCTURE not in arrays:
        return {name: Tensor(a, device=backend) for name, a in arrays.items()}
    tree = json.loads(str(arrays.pop(_STRUCTURE)))
    return _unflatten(tree, arrays, backend)
