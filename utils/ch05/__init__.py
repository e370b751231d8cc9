"""Chapter 5, project: evaluation, checkpoints, augmentation, convolution, and the checks of
05a-05c."""
