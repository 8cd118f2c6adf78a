"""Subcommands of the `bayflow` command, one group per module."""
