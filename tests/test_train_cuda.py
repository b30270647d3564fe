"""The Trainer's CUDA-only choices, tested on the CPU with the GPU's answers mocked."""

from types import SimpleNamespace

import pytest
import torch
from torch import nn

from classic_cnn.train import distributed
from classic_cnn.train.trainer import autocast_dtype, prepare_model

CUDA = torch.device("cuda")


@pytest.fixture
def gpu(monkeypatch):
    """A fake GPU of a given compute capability, which (like a real T4) emulates bfloat16 when asked to."""

    def install(major: int, minor: int) -> None:
        monkeypatch.setattr(torch.version, "hip", None)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
        monkeypatch.setattr(
            torch.cuda, "get_device_properties", lambda device: SimpleNamespace(major=major, minor=minor)
        )
        monkeypatch.setattr(torch.cuda, "_check_bf16_tensor_supported", lambda device: True)

    return install


@pytest.mark.parametrize(
    ("capability", "expected"),
    [((7, 5), torch.float16), ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)],
    ids=["T4", "A100", "H100"],
)
def test_bfloat16_only_where_the_gpu_computes_it(gpu, capability, expected):
    gpu(*capability)
    assert torch.cuda.is_bf16_supported()  # the default question says yes even on a T4 (emulation)
    assert autocast_dtype(CUDA) == expected


def test_float16_off_cuda():
    assert autocast_dtype(torch.device("cpu")) == torch.float16


def test_cuda_turns_on_cudnn_benchmark_and_synchronizes_batch_norm_across_processes(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    assert prepare_model(model, torch.device("cpu"), world_size=2) is model
    assert not torch.backends.cudnn.benchmark
    one = prepare_model(model, CUDA, world_size=1)
    assert torch.backends.cudnn.benchmark
    assert type(one[1]) is nn.BatchNorm2d
    several = prepare_model(model, CUDA, world_size=2)
    assert type(several[1]) is nn.SyncBatchNorm


def test_sums_over_ranks_refuse_tensors_on_two_devices(monkeypatch):
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: True)
    monkeypatch.setattr(distributed.dist, "get_world_size", lambda: 2)
    with pytest.raises(ValueError, match="one device"):
        distributed.total(torch.zeros((), device="meta"), torch.tensor(1.0))


def test_pick_device_prefers_this_ranks_gpu(monkeypatch):
    from classic_cnn.train import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    chosen = []
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    monkeypatch.setenv("LOCAL_RANK", "1")  # torchrun's second process on this machine
    assert pick_device() == torch.device("cuda", 1) and chosen == [1]
    monkeypatch.delenv("LOCAL_RANK")
    assert pick_device() == torch.device("cuda")
    assert pick_device("cpu") == torch.device("cpu")
