"""Kubernetes API -> batches of trimmed changes.

Auth via kubernetes_asyncio, our list+watch reflector, snapshot files.
"""
