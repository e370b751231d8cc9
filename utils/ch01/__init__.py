"""Chapter 1, background: the environment check."""
