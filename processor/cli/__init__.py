"""The ``jixiao`` command: one module per sub-command over the engine."""
