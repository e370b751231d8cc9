"""Chapter 6, applications: language, vision, recommendation, finance, health, education, and their
checks."""
