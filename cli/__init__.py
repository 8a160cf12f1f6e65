"""The `medreason` command line: one typer app that mounts each package's commands."""
