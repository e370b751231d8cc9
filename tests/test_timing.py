"""The shared timing helpers: the median after a warm-up, the clock per device, variants that take
turns, and speed ratios with their spread and verdict."""

import time

import pytest

from utils.timing import (
    Ratio,
    alternating_times,
    measure,
    median_time,
    ratio_spread,
    speed_verdict,
    work_clock,
)


class FakeClock:
    """A clock that moves only when the timed function runs: call i takes durations[i] seconds."""

    def __init__(self, durations):
        self.durations, self.now, self.calls = list(durations), 0.0, 0

    def read(self):
        return self.now

    def work(self):
        self.now += self.durations[self.calls]
        self.calls += 1


def test_median_time_skips_the_warm_up_and_takes_the_median():
    clock = FakeClock([9.0, 1.0, 3.0, 2.0])
    assert median_time(clock.work, repeats=3, warmup=1, clock=clock.read) == 2.0
    assert clock.calls == 4
    with pytest.raises(ValueError):
        median_time(clock.work, repeats=0)


def test_work_clock_is_cpu_time_on_the_cpu():
    assert work_clock("cpu") is time.process_time
    assert work_clock("cuda") is time.perf_counter
    assert measure(lambda: sum(range(10_000)), "cpu") >= 0.0


def test_alternating_times_takes_turns_in_a_rotating_order_after_a_warm_up():
    calls = []

    def prepare(name):
        def make(round_):
            return lambda: calls.append((name, round_))

        return make

    times = alternating_times({"a": prepare("a"), "b": prepare("b")}, repeats=3, warmup=1)
    assert [len(t) for t in times.values()] == [3, 3]
    assert calls == [("a", 0), ("b", 0), ("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2)]
    with pytest.raises(ValueError):
        alternating_times({"a": prepare("a")}, repeats=0)


def test_ratio_spread_pairs_the_times():
    ratio = ratio_spread([2.0, 3.0, 4.0], [1.0, 2.0, 1.0])
    assert ratio == Ratio(2.0, 1.5, 4.0)
    assert str(ratio) == "2.00× (pairs 1.50–4.00×)"
    with pytest.raises(ValueError):
        ratio_spread([1.0], [1.0, 2.0])


def test_a_verdict_only_where_every_pair_agrees():
    assert speed_verdict(Ratio(1.5, 1.1, 2.0)) == "faster"
    assert speed_verdict(Ratio(0.5, 0.4, 0.9)) == "slower"
    assert speed_verdict(Ratio(1.2, 0.9, 1.5)) == "within the noise"
