"""Falco stand-ins for behaviour tests: the `FalcoHost` contract and its implementations.

`base` holds the contract only (no import of the plugin); `inprocess` drives the pure core
with an in-memory threads table. Other implementations (the built shared library under a
test host) implement the same contract, so one test body runs on all of them.
"""
