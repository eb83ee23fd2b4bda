"""heard's built-in detectors, one module per behaviour group, self-registered by name."""
