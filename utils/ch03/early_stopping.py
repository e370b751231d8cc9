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
