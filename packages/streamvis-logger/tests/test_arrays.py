"""Tensor inputs: captured without a device sync in the caller's thread."""

import threading

import numpy as np
import pytest

from streamvis.logger import DataLogger, read_log

CALLS: list[tuple[str, str]] = []


def record(method):
    CALLS.append((method, threading.current_thread().name))


class FakeDevice:
    def __init__(self, type):
        self.type = type


class FakeTorchTensor:
    """Behaves like a torch tensor on a device; records who calls what."""

    def __init__(self, data, device="cuda"):
        self._data = np.asarray(data, dtype=np.float32)
        self.device = FakeDevice(device)
        self.shape = self._data.shape
        self.dtype = "torch.float32"

    def detach(self):
        record("detach")
        return self

    def clone(self):
        record("clone")
        return FakeTorchTensor(self._data.copy(), self.device.type)

    def cpu(self):
        record("cpu")
        return FakeTorchTensor(self._data, "cpu")

    def numpy(self):
        record("numpy")
        if self.device.type != "cpu":
            raise TypeError("can't convert cuda tensor to numpy")
        return self._data

    def item(self):
        record("item")
        return float(self._data)

    def add_(self, value):
        self._data += value


class FakeJaxArray:
    def __init__(self, data):
        self._data = np.asarray(data, dtype=np.float32)
        self.shape = self._data.shape
        self.dtype = self._data.dtype

    def block_until_ready(self):
        record("block_until_ready")
        return self

    def __array__(self, dtype=None, copy=None):
        record("__array__")
        return self._data


class FakeTfTensor:
    def __init__(self, data):
        self._data = np.asarray(data, dtype=np.float64)
        self.shape = self._data.shape
        self.device = "/job:localhost/replica:0/task:0/device:GPU:0"

        class DT:
            name = "float64"
        self.dtype = DT()

    def numpy(self):
        record("numpy")
        return self._data


@pytest.fixture(autouse=True)
def clear_calls():
    CALLS.clear()


def caller_calls():
    me = threading.current_thread().name
    return [m for m, thread in CALLS if thread == me]


def test_device_tensor_is_cloned_in_caller_and_copied_by_worker(tmp_path):
    path = str(tmp_path / "log")
    logger = DataLogger("s").init(path=path, flush_interval=3600)
    loss = FakeTorchTensor(2.5)
    logger.write("loss", x=1, y=loss)
    loss.add_(100.0)  # the training loop mutates its tensor in place afterwards
    assert caller_calls() == ["detach", "clone"]
    logger.close()
    worker_calls = [m for m, thread in CALLS if thread == "streamvis-flush"]
    assert worker_calls == ["cpu", "numpy"]
    assert not any(m in ("item", "numpy", "cpu") for m in caller_calls())
    (s,) = read_log(path)
    assert s.columns["y"].tolist() == [2.5] and s.columns["y"].dtype == np.float32


def test_jax_and_tf_arrays_are_kept_by_reference(tmp_path):
    path = str(tmp_path / "log")
    logger = DataLogger("s").init(path=path, flush_interval=3600)
    logger.write("j", x=[1, 2], y=FakeJaxArray([1.0, 2.0]))
    logger.write("t", x=[1, 2, 3], y=FakeTfTensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert caller_calls() == []
    logger.close()
    series = {s.key: s for s in read_log(path)}
    assert series[("s", "j", 0)].columns["y"].tolist() == [1.0, 2.0]
    assert series[("s", "t", 1)].columns["y"].tolist() == [4.0, 5.0, 6.0]
    assert series[("s", "t", 1)].columns["y"].dtype == np.float64


def test_device_tensor_shape_errors_are_raised_at_write(tmp_path):
    with DataLogger("s").init(path=str(tmp_path / "log")) as logger:
        with pytest.raises(ValueError, match="rank 3"):
            logger.write("k", x=1, y=FakeTorchTensor(np.zeros((2, 2, 2))))
        with pytest.raises(ValueError, match="do not match"):
            logger.write("k", x=[1, 2, 3], y=FakeTorchTensor(np.zeros(2)))
    assert "cpu" not in caller_calls() and "numpy" not in caller_calls()


def test_objects_with_array_interface(tmp_path):
    class ArrayLike:
        def __array__(self, dtype=None, copy=None):
            return np.array([1, 2, 3], dtype=np.int16)

    path = str(tmp_path / "log")
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=ArrayLike(), y=[0.5, 0.5, 0.5])
    (s,) = read_log(path)
    assert s.columns["x"].dtype == np.int16 and s.columns["x"].tolist() == [1, 2, 3]


def test_real_torch_cpu_tensors(tmp_path):
    torch = pytest.importorskip("torch")
    path = str(tmp_path / "log")
    w = torch.ones(3, requires_grad=True)
    acc = torch.zeros(2, 4, dtype=torch.float64)
    with DataLogger("s").init(path=path) as logger:
        logger.write("w", x=torch.arange(3), y=w * 2)
        logger.write("acc", x=torch.tensor([1, 2, 3, 4]), y=acc)
        acc += 7  # mutation after write must not leak into the log
        logger.write("bf16", x=1, y=torch.tensor(1.5, dtype=torch.bfloat16))
    series = {s.key: s for s in read_log(path)}
    assert series[("s", "w", 0)].columns["y"].tolist() == [2.0, 2.0, 2.0]
    assert series[("s", "w", 0)].columns["x"].dtype == np.int64
    assert series[("s", "acc", 1)].columns["y"].tolist() == [0.0] * 4
    assert series[("s", "bf16", 0)].columns["y"].tolist() == [1.5]
