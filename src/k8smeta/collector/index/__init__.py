"""Pure relationship index.

Pods by node/namespace/owner, owner chains, services by selector, refs.
"""
