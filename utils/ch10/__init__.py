"""Chapter 10, references: the reading list, the errata, and the checks of 10."""
