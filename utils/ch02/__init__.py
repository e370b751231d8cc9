"""Chapter 2, core concepts: attention, the small GPT, generation, and the checks of 02a-02c."""
