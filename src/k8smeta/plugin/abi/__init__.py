"""The only place that knows C: cffi declarations, the build, marshalling, the exports."""
