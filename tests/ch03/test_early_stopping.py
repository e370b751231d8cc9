from utils.ch03.early_stopping import early_stopping


def test_stops_patience_epochs_after_the_best():
    assert early_stopping([3, 2, 1, 2, 2, 2, 0], 3) == (2, 5)


def test_a_tie_is_not_an_improvement():
    assert early_stopping([3, 1, 1, 1], 2) == (1, 3)


def test_never_triggered_stops_at_the_last_epoch():
    assert early_stopping([5, 4, 3], 1) == (2, 2)
    assert early_stopping([5, 6], 5) == (0, 1)


def test_a_bar_finished_early_is_complete_and_says_why():
    import io

    from tqdm import tqdm

    from utils.ch03.early_stopping import finish_early

    bar = tqdm(total=300, desc="training", file=io.StringIO())
    bar.update(78)
    finish_early(bar, "stopped early at epoch 77")
    assert bar.total == bar.n == 78 and bar.desc == "training: stopped early at epoch 77: "


def test_a_notebook_bar_finished_early_is_not_red():
    """tqdm's notebook bar turns red ('danger') when it closes short of its total."""
    import pytest

    notebook = pytest.importorskip("tqdm.notebook")
    from utils.ch03.early_stopping import finish_early

    bar = notebook.tqdm(total=300, desc="training", display=False)
    bar.update(78)
    finish_early(bar, "stopped early")
    progress = bar.container.children[1]
    assert progress.bar_style == "success" and progress.value == progress.max == 78
