"""Data parallelism on PyTorch's own engine: the same Trainer runs under ``torchrun``.

``torchrun --nproc_per_node=N -m classic_cnn.train ...`` sets RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT;
the Trainer then joins the process group (NCCL on CUDA, gloo on CPU) and wraps the model in
DistributedDataParallel. Each rank trains on its share of every global batch, its loss weighted by the
share's size, so N processes at batch size B follow the same trajectory as one process at batch size B (up
to float rounding; on GPUs batch norm is synchronized over the global batch, on the CPU its statistics stay per
process). A NaN loss in one rank stops them all.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def rank_and_world(device: torch.device) -> tuple[int, int]:
    """Join the process group that torchrun describes (if not joined yet); return (rank, world size)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return 0, 1
    if not dist.is_available():
        raise RuntimeError(f"WORLD_SIZE={world_size} asks for distributed training, but torch.distributed is missing")
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def local_device() -> torch.device | None:
    """Under torchrun on a multi-GPU machine, this process's GPU (LOCAL_RANK); else None."""
    local_rank = os.environ.get("LOCAL_RANK")
    if local_rank is None or not torch.cuda.is_available():
        return None
    torch.cuda.set_device(int(local_rank))
    return torch.device("cuda", int(local_rank))


def total(*values: torch.Tensor) -> list[torch.Tensor]:
    """Sum tensors over all ranks (a no-op in one process)."""
    devices = {value.device for value in values}
    if len(devices) > 1:  # NCCL reduces GPU tensors only: one on the CPU would fail there, not here
        raise ValueError(f"tensors to sum over ranks must be on one device, got {sorted(map(str, devices))}")
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return list(values)
    packed = torch.stack([value.double() for value in values])
    dist.all_reduce(packed)
    return list(packed.unbind())


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
