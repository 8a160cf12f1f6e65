"""The benchmark's heavy steps, each run as `python -m bench.steps.<name>` in a process of its own."""
