"""Chapter 3, algorithm and steps: preprocessing, initialisation, the NumPy network, optimisers,
regularisation, normalisation, deployment, and the checks of 03a-03c."""
