import pytest
import torch

from utils.device import describe, has_float64, pick_device
from utils.notebook import start
from utils.seed import seed_everything


def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device().type == "cpu"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device().type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device().type == "cuda"


def test_forcing_an_absent_device_says_so(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        pick_device("cuda")
    assert pick_device("cpu").type == "cpu"


def test_describe_cpu():
    assert describe(torch.device("cpu")).startswith("cpu (")


def test_seeds_make_runs_repeat():
    seed_everything(3)
    a = (torch.randn(3), seed_everything(3).normal(size=2))
    seed_everything(3)
    c = torch.randn(3)
    assert torch.equal(a[0], c)


def test_start_prints_the_device_once(capsys):
    import utils.notebook

    utils.notebook._announced = False
    start(seed=0)
    start(seed=0)
    assert capsys.readouterr().out.count("device:") == 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_is_picked_when_present():
    assert pick_device().type == "cuda"


def test_mps_has_no_float64_and_the_others_do():
    assert not has_float64(torch.device("mps")) and not has_float64("mps")
    assert has_float64(torch.device("cpu")) and has_float64("cuda")
