"""Chapter 8, trends and challenges: scaling, data parallelism, privacy, interpretability,
compression."""
