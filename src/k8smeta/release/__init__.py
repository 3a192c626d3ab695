"""Publishing the plugin artifact to an OCI registry as falcoctl lays out plugins, and
pulling and installing it back: `falcoctl` (the layout: media types, config, manifest,
index; the install's unpacking), `oci` (the registry client over the `oras` package, and
the `make publish` command line). Build-side only: never imported by the plugin or the
collector; may import `k8smeta.plugin.abi.bundle` for the artifact's names.
"""
