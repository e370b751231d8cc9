"""The training-step harness's own diagnoses (the checks that use it are tested in tests/ch05)."""

import numpy as np

from utils.checks.step_harness import StepOutcome, compare_step


def test_a_host_sync_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    expected = StepOutcome(np.ones(3), np.ones(2))
    got = StepOutcome(np.ones(3), np.ones(2), syncs=("item", "__repr__", "__str__"))
    verdict = compare_step(got, expected)
    assert verdict.kind == "host sync"
    assert "每一步都在 CPU 上读取张量的值（`.item()`, 打印张量）" in verdict.message, (
        verdict.message
    )
    assert "训练步骤中不能有 `loss.item()`" in verdict.message
    unchanged = compare_step(StepOutcome(np.zeros(3), np.ones(2)), expected)
    assert unchanged.kind == "unchanged" and "参数完全没有变化" in unchanged.message
    losses = compare_step(StepOutcome(np.ones(3), 2 * np.ones(2)), expected)
    assert losses.message.startswith("在 损失 中："), losses.message
