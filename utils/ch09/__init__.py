"""Chapter 9, FAQ: the performance checklist, and the checks of 09."""
