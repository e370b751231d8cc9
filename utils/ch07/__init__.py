"""Chapter 7, tools: the Keras port, TensorBoard logs, the profiler, and the checks of 07."""
