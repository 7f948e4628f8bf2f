"""save and load: .npz checkpoints without pickle, written atomically, with clear errors."""

from __future__ import annotations

import os
import stat
import zipfile

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.io as tio


def _model_state() -> dict[str, tg.Tensor]:
    rng = np.random.default_rng(0)
    return {
        "encoder.weight": tg.Tensor(rng.standard_normal((5, 3)).astype(np.float32)),
        "decoder.weight": tg.Tensor(rng.standard_normal((3, 4))),  # float64
        "decoder.bias": tg.Tensor(rng.standard_normal(4)),
        "steps": tg.Tensor(np.array([1, 2, 3], dtype=np.int64)),
        "mask": tg.Tensor(np.array([True, False])),
        "scalar": tg.Tensor(np.array(2.5)),  # 0-d
    }


def test_roundtrip_keeps_names_values_dtypes_and_shapes(tmp_path):
    state = _model_state()
    path = tmp_path / "model.npz"
    tg.save(state, path)
    loaded = tg.load(path)
    assert list(loaded) == list(state)
    for name, t in state.items():
        assert isinstance(loaded[name], tg.Tensor), name
        assert loaded[name].dtype == t.dtype, name
        assert loaded[name].shape == t.shape, name
        np.testing.assert_array_equal(loaded[name].numpy(), t.numpy(), err_msg=name)
        assert loaded[name].device == "cpu"


def test_roundtrip_of_a_module_state_dict(tmp_path):
    net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Linear(4, 2, dtype=tg.float64))
    tg.save(net.state_dict(), tmp_path / "net.npz")
    fresh = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Linear(4, 2, dtype=tg.float64))
    fresh.load_state_dict(tg.load(tmp_path / "net.npz"))
    for (name, a), (_, b) in zip(net.named_parameters(), fresh.named_parameters()):
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert fresh[0].weight.dtype == tg.float32 and fresh[1].weight.dtype == tg.float64
    x = tg.randn(2, 3)
    np.testing.assert_array_equal(fresh[0](x).numpy(), net[0](x).numpy())


def test_nested_dicts_lists_tuples_and_numbers(tmp_path):
    w = tg.nn.Parameter(tg.ones(3))
    opt = tg.optim.Adam([w], lr=0.01, betas=(0.8, 0.9))
    w.grad = tg.Tensor([0.1, -0.2, 0.3])
    opt.step()
    checkpoint = {
        "optimizer": opt.state_dict(),
        "epoch": 7,
        "loss": 0.125,
        "name": "char-lstm",
        "best": None,
        "flags": [True, False],
        "history": [1.5, 1.25, {"nested": np.arange(3)}],
        "np_scalars": {"int": np.int64(4), "float": np.float32(0.5), "bool": np.bool_(True)},
    }
    tg.save(checkpoint, tmp_path / "ckpt.npz")
    loaded = tg.load(tmp_path / "ckpt.npz")
    assert loaded["epoch"] == 7 and isinstance(loaded["epoch"], int)
    assert loaded["loss"] == 0.125
    assert loaded["name"] == "char-lstm"
    assert loaded["best"] is None
    assert loaded["flags"] == [True, False]
    assert loaded["history"][:2] == [1.5, 1.25]
    assert loaded["history"][2]["nested"].tolist() == [0, 1, 2]
    assert loaded["np_scalars"] == {"int": 4, "float": 0.5, "bool": True}
    assert type(loaded["np_scalars"]["int"]) is int and type(loaded["np_scalars"]["bool"]) is bool
    sd = loaded["optimizer"]
    group = sd["param_groups"][0]
    assert group["betas"] == (0.8, 0.9) and isinstance(group["betas"], tuple)
    assert group["lr"] == 0.01 and group["params"] == [0] and group["amsgrad"] is False
    state = sd["state"][0]  # integer keys survive, as in torch's optimizer state dicts
    assert state["step"] == 1
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.state[0]["exp_avg"].numpy())
    np.testing.assert_array_equal(state["exp_avg_sq"].numpy(), opt.state[0]["exp_avg_sq"].numpy())


def test_file_is_a_plain_npz_with_arrays_under_their_names(tmp_path):
    state = _model_state()
    path = tmp_path / "model.npz"
    tg.save({**state, "nested": {"deep": {"w": tg.ones(2)}}, "file": tg.zeros(1)}, path)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as npz:
        for name, t in state.items():
            assert npz[name].dtype == t.numpy().dtype
            np.testing.assert_array_equal(npz[name], t.numpy())
        np.testing.assert_array_equal(npz["nested/deep/w"], np.ones(2, dtype=np.float32))
        np.testing.assert_array_equal(npz["file"], np.zeros(1, dtype=np.float32))  # np.savez cannot name this


def test_plain_npz_written_by_numpy_loads_as_a_dict_of_tensors(tmp_path):
    path = tmp_path / "numpy.npz"
    np.savez(path, weight=np.eye(2), bias=np.array([1, 2], dtype=np.int32))
    loaded = tg.load(path)
    assert set(loaded) == {"weight", "bias"}
    assert loaded["weight"].dtype == tg.float64 and loaded["bias"].dtype == tg.int64
    assert loaded["bias"].tolist() == [1, 2]


def test_new_file_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "model.npz"
    tg.save({"w": tg.ones(1)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask


def test_overwrites_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.npz"
    tg.save({"w": tg.ones(2)}, path)
    tg.save({"w": tg.zeros(3)}, str(path))  # str paths too
    assert tg.load(path)["w"].tolist() == [0.0, 0.0, 0.0]
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch, error):
    path = tmp_path / "model.npz"
    tg.save({"w": tg.Tensor([1.0, 2.0])}, path)
    before = path.read_bytes()

    def half_write(f, arrays):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise error

    monkeypatch.setattr(tio, "_write_npz", half_write)
    with pytest.raises(type(error)):
        tg.save({"w": tg.Tensor([3.0, 4.0])}, path)
    assert path.read_bytes() == before
    assert tg.load(path)["w"].tolist() == [1.0, 2.0]
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_failed_write_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    def crash(f, arrays):
        f.write(b"PK")
        raise RuntimeError("crash")

    monkeypatch.setattr(tio, "_write_npz", crash)
    with pytest.raises(RuntimeError):
        tg.save({"w": tg.ones(1)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_a_failing_numpy_writer_midway_keeps_the_previous_file(tmp_path, monkeypatch):
    """The real writer dies after the first array has gone out."""
    path = tmp_path / "model.npz"
    tg.save({"a": tg.ones(2), "b": tg.ones(2)}, path)
    before = path.read_bytes()
    real = np.lib.format.write_array
    calls = []

    def write_then_fail(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise OSError("no space left on device")
        return real(fp, array, *args, **kwargs)

    monkeypatch.setattr(tio.np.lib.format, "write_array", write_then_fail)
    with pytest.raises(OSError, match="no space"):
        tg.save({"a": tg.zeros(2), "b": tg.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


def test_truncated_file_raises_value_error_naming_the_path(tmp_path):
    path = tmp_path / "model.npz"
    tg.save(_model_state(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        tg.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"", bytes(np.random.default_rng(1).integers(0, 256, 500, dtype=np.uint8)), b"epoch,loss\n1,0.5\n"],
    ids=["empty", "random-bytes", "text"],
)
def test_foreign_file_raises_value_error_naming_the_path(tmp_path, content):
    path = tmp_path / "notes.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable checkpoint") as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_pickled_file_is_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, objects=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):
        tg.load(path)


def test_single_npy_array_is_refused_clearly(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match=r"array\.npy.*single array"):
        tg.load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nothing-here.npz")


def test_unsavable_values_raise_before_touching_the_file(tmp_path):
    path = tmp_path / "model.npz"
    with pytest.raises(TypeError, match="dict"):
        tg.save([tg.ones(1)], path)
    with pytest.raises(TypeError, match="object"):
        tg.save({"w": object()}, path)
    with pytest.raises(TypeError, match="dtype"):
        tg.save({"w": np.array(["text"])}, path)
    with pytest.raises(ValueError, match="same name"):
        tg.save({"a/b": tg.ones(1), "a": {"b": tg.ones(1)}}, path)
    assert os.listdir(tmp_path) == []


def test_map_location_puts_tensors_on_that_device(tmp_path):
    pytest.importorskip("array_api_strict")
    path = tmp_path / "model.npz"
    tg.save({"w": tg.Tensor(np.eye(2)), "nested": [tg.ones(3)], "n": 3}, path)
    loaded = tg.load(path, map_location="array_api_strict")
    assert loaded["w"].device == "array_api_strict" and loaded["w"].dtype == tg.float64
    assert loaded["nested"][0].device == "array_api_strict"
    assert loaded["n"] == 3
    np.testing.assert_array_equal(loaded["w"].numpy(), np.eye(2))


def test_save_from_another_device(tmp_path):
    pytest.importorskip("array_api_strict")
    net = tg.nn.Linear(2, 3).to("array_api_strict")
    tg.save(net.state_dict(), tmp_path / "net.npz")
    loaded = tg.load(tmp_path / "net.npz")
    assert loaded["weight"].device == "cpu"
    np.testing.assert_array_equal(loaded["weight"].numpy(), net.weight.numpy())


def test_a_model_saved_on_a_device_loads_back_there(tmp_path, device):
    tg.manual_seed(0)
    net = tg.nn.LSTM(3, 4, num_layers=2).to(device)
    x = tg.randn(5, 2, 3).to(device)
    tg.save(net.state_dict(), tmp_path / "lstm.npz")
    state = tg.load(tmp_path / "lstm.npz", map_location=device)
    assert {t.device for t in state.values()} == {device}
    fresh = tg.nn.LSTM(3, 4, num_layers=2, device=device)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh(x)[0].numpy(), net(x)[0].numpy())


# --- names that could not come back, symbolic links, permissions --------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("a\x00b", "NUL"),
        ("\ud800", "not valid Unicode"),
        ("x" * 70_000, "at most 65531"),
    ],
)
def test_a_name_that_could_not_be_loaded_back_is_refused_before_writing(tmp_path, key, message):
    path = tmp_path / "model.npz"
    tg.save({"w": tg.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=message):
        tg.save({"w": tg.zeros(2), "nested": {key: tg.ones(1)}}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


def test_odd_names_that_do_round_trip(tmp_path):
    """Names with slashes, dots, newlines and non-ASCII letters come back as they were."""
    state = {name: tg.Tensor([float(i)]) for i, name in enumerate(["", "..", "a/", "é", "\n", "a.npy", "a\\b"])}
    tg.save(state, tmp_path / "odd.npz")
    loaded = tg.load(tmp_path / "odd.npz")
    assert list(loaded) == list(state)
    assert [t.item() for t in loaded.values()] == [t.item() for t in state.values()]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_saving_through_a_symlink_writes_the_target(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "model-0100.npz"
    link = tmp_path / "latest.npz"
    tg.save({"w": tg.ones(2)}, target)
    link.symlink_to(target)
    tg.save({"w": tg.zeros(3)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert tg.load(target)["w"].tolist() == [0.0, 0.0, 0.0]
    assert sorted(os.listdir(tmp_path / "runs")) == ["model-0100.npz"]  # the temporary file went there, and away


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="no POSIX permissions here")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_an_existing_file_keeps_its_permissions(tmp_path, mode):
    path = tmp_path / "secret.npz"
    tg.save({"w": tg.ones(1)}, path)
    os.chmod(path, mode)
    tg.save({"w": tg.zeros(1)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert tg.load(path)["w"].tolist() == [0.0]


def test_a_missing_folder_or_a_folder_as_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder .*nowhere.* does not exist"):
        tg.save({"w": tg.ones(1)}, tmp_path / "nowhere" / "model.npz")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        tg.save({"w": tg.ones(1)}, tmp_path)
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got int"):
        tg.save({"w": tg.ones(1)}, 3)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failure_after_writing_keeps_the_previous_file_and_no_temporary(tmp_path, monkeypatch, step):
    """The data is written, then flushing it to disk or the rename fails: the old checkpoint stays, alone."""
    path = tmp_path / "model.npz"
    tg.save({"w": tg.Tensor([1.0])}, path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(f"{step} failed")

    monkeypatch.setattr(tio.os, step, fail)
    with pytest.raises(OSError, match=f"{step} failed"):
        tg.save({"w": tg.Tensor([2.0])}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
