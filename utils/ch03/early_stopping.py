"""Early stopping: when to stop training, and which epoch's weights to keep, from the validation
losses."""

from __future__ import annotations


def early_stopping(val_losses, patience: int) -> tuple[int, int]:
    """(best_epoch, stop_epoch), epochs counted from 0: stop once `patience` epochs in a row bring
    no strict improvement on the best loss so far; if that never happens, stop at the last epoch."""
    best, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best, best_loss = epoch, loss
        elif epoch - best >= patience:
            return best, epoch
    return best, len(val_losses) - 1


def finish_early(bar, reason: str) -> None:
    """Close a tqdm progress bar whose loop stopped before its total on purpose: the total becomes
    the count reached and the label says why, so the bar ends complete (green in a notebook), not
    red as a bar left short of its total is after an error. Update such a bar by hand
    (`bar.update()`) rather than looping over it: leaving that loop by `break` also turns it red."""
    bar.total = bar.n
    container = getattr(bar, "container", None)
    if container is not None:  # a notebook bar: its widget keeps its own maximum
        container.children[1].max = bar.n
    label = bar.desc.removesuffix(": ")
    bar.set_description(f"{label}: {reason}" if label else reason)
    bar.close()
