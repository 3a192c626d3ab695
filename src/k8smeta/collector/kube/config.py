"""Kubernetes client configuration: which cluster, which credentials.

Precedence as upstream: the --kubeconfig flag, then $KUBECONFIG, then the in-cluster service
account, then ~/.kube/config. kubernetes_asyncio does the loading (exec, OIDC, GCP providers,
in-cluster token refresh); failures become `KubeConfigError` with a message naming the source.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.config import ConfigException, load_incluster_config, load_kube_config

from k8smeta.collector.kube.errors import KubeConfigError

log = logging.getLogger(__name__)


def _user_agent() -> str:
    try:
        return f"k8smeta-collector/{version('k8smeta')}"
    except PackageNotFoundError:
        return "k8smeta-collector"


USER_AGENT = _user_agent()
# Seven watches hold a connection each for minutes, and relists need more: a smaller pool
# would leave some kinds waiting for a connection forever.
MIN_CONNECTIONS = 32

# kubeconfig credentials (exec plugins, OIDC, GCP) expire; re-read them at most this often.
CREDENTIAL_REFRESH_SECONDS = 60.0


async def load_api_client(
    kubeconfig: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> ApiClient:
    """An ApiClient for the first configuration found, in upstream's order of precedence."""
    env = os.environ if environ is None else environ
    if kubeconfig:
        if not Path(kubeconfig).expanduser().is_file():
            raise KubeConfigError(f"--kubeconfig {kubeconfig}: no such file")
        return await _from_kubeconfig(kubeconfig, "--kubeconfig")
    if env.get("KUBECONFIG"):
        paths = env["KUBECONFIG"]
        if not any(Path(p).expanduser().is_file() for p in paths.split(os.pathsep) if p):
            raise KubeConfigError(f"KUBECONFIG={paths}: no such file")
        return await _from_kubeconfig(paths, "KUBECONFIG")
    default = (home if home is not None else Path.home()) / ".kube" / "config"
    if env.get("KUBERNETES_SERVICE_HOST"):
        try:
            return in_cluster_client(environ=env)
        except KubeConfigError as exc:
            if not default.is_file():
                raise
            log.warning("%s; falling back to %s", exc, default)
    if default.is_file():
        return await _from_kubeconfig(str(default), str(default))
    raise KubeConfigError(
        "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, run in a cluster "
        f"(KUBERNETES_SERVICE_HOST), or create {default}"
    )


def in_cluster_client(
    *,
    environ: Mapping[str, str] | None = None,
    token_file: str = "/var/run/secrets/kubernetes.io/serviceaccount/token",
    ca_file: str = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
) -> ApiClient:
    """An ApiClient from the pod's service account (the token file is re-read as it rotates)."""
    configuration = Configuration()
    try:
        load_incluster_config(  # type: ignore[no-untyped-call]  # untyped upstream
            client_configuration=configuration,
            token_filename=token_file,
            cert_filename=ca_file,
            environ=dict(os.environ if environ is None else environ),
        )
    except (ConfigException, OSError) as exc:
        raise KubeConfigError(f"in-cluster configuration: {exc}") from exc
    log.info("Kubernetes API %s (in-cluster service account)", configuration.host)
    return _client(configuration)


def api_client_for(
    host: str, token: str | None = None, ca_file: str | None = None, *, verify_ssl: bool = True
) -> ApiClient:
    """An ApiClient for an explicit server URL and bearer token (tests, tools)."""
    configuration = Configuration(host=host, ssl_ca_cert=ca_file)
    configuration.verify_ssl = verify_ssl
    if token is not None:
        configuration.api_key["BearerToken"] = f"Bearer {token}"
    return _client(configuration)


async def _from_kubeconfig(paths: str, source: str) -> ApiClient:
    configuration = Configuration()
    try:
        loader = await load_kube_config(
            config_file=paths, client_configuration=configuration, persist_config=False
        )
    except Exception as exc:  # yaml, missing keys, exec plugin...: all mean a bad kubeconfig
        raise KubeConfigError(f"kubeconfig from {source} ({paths}): {exc}") from exc
    configuration.refresh_api_key_hook = _refresher(loader)
    log.info("Kubernetes API %s (kubeconfig from %s)", configuration.host, source)
    return _client(configuration)


def _client(configuration: Configuration) -> ApiClient:
    """The ApiClient, introducing itself to the API server (audit logs, API priority)."""
    limit = configuration.connection_pool_maxsize
    if limit is not None and limit < MIN_CONNECTIONS:
        configuration.connection_pool_maxsize = MIN_CONNECTIONS
    client = ApiClient(configuration=configuration)
    client.user_agent = USER_AGENT
    return client


def _refresher(loader: Any) -> Any:
    """A refresh hook re-reading expiring credentials, rate-limited (it runs per request)."""
    last = time.monotonic()

    async def refresh(configuration: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < CREDENTIAL_REFRESH_SECONDS:
            return
        last = now
        try:
            await loader.load_and_set(configuration)
        except Exception as exc:  # keep the old credentials; the request may still work
            log.error("refreshing kubeconfig credentials failed: %s", exc)

    return refresh
