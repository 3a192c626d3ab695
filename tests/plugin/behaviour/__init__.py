"""Behaviour tests of the plugin, run on every FalcoHost implementation in conftest."""
