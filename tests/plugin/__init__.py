"""Tests of the Falco plugin: core units, behaviour tests over every host implementation."""
