from utils.ch03.early_stopping import early_stopping


def test_stops_patience_epochs_after_the_best():
    assert early_stopping([3, 2, 1, 2, 2, 2, 0], 3) == (2, 5)


def test_a_tie_is_not_an_improvement():
    assert early_stopping([3, 1, 1, 1], 2) == (1, 3)


def test_never_triggered_stops_at_the_last_epoch():
    assert early_stopping([5, 4, 3], 1) == (2, 2)
    assert early_stopping([5, 6], 5) == (0, 1)
