"""Client configuration: precedence (flag, KUBECONFIG, in-cluster, ~/.kube/config), errors."""

from __future__ import annotations

import sys
from pathlib import Path

import certifi
import orjson
import pytest

from k8smeta.collector.kube import config as kube_config
from k8smeta.collector.kube.config import in_cluster_client, load_api_client
from k8smeta.collector.kube.errors import KubeConfigError
from k8smeta.collector.kube.transport import Transport
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: {name}
clusters:
- name: {name}
  cluster: {{server: "{url}"}}
users:
- name: {name}
  user: {{token: "{token}"}}
contexts:
- name: {name}
  context: {{cluster: {name}, user: {name}}}
"""


def kubeconfig(path: Path, url: str, token: str, name: str = "test") -> Path:
    path.write_text(KUBECONFIG.format(name=name, url=url, token=token))
    return path


async def served_pods(client: object) -> list[str]:
    body = await Transport(client).read("/api/v1/pods", [("limit", 10)], "application/json")
    return [item["metadata"]["name"] for item in orjson.loads(body)["items"]]


@pytest.mark.parametrize("via", ["flag", "KUBECONFIG", "home", "flag-over-env"])
@pytest.mark.asyncio
async def test_kubeconfig_sources_reach_the_server(
    api: KubeApiStandIn, tmp_path: Path, via: str
) -> None:
    api.add(objects.pod("web"))
    good = kubeconfig(tmp_path / "good.yaml", api.url, api.token)
    wrong = kubeconfig(tmp_path / "wrong.yaml", api.url, "wrong-token", name="other")
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    flag: str | None = None
    env: dict[str, str] = {}
    if via == "flag":
        flag = str(good)
    elif via == "KUBECONFIG":
        env["KUBECONFIG"] = f"{tmp_path / 'missing.yaml'}:{good}"
        kubeconfig(home / ".kube" / "config", api.url, "wrong-token")
    elif via == "home":
        kubeconfig(home / ".kube" / "config", api.url, api.token)
    else:
        flag, env["KUBECONFIG"] = str(good), str(wrong)
    client = await load_api_client(flag, environ=env, home=home)
    try:
        assert await served_pods(client) == ["web"]
    finally:
        await client.close()
    assert {r.status for r in api.requests} == {0}


@pytest.mark.parametrize(
    ("flag", "env", "message"),
    [
        ("/nonexistent/kubeconfig", {}, "--kubeconfig /nonexistent/kubeconfig: no such file"),
        (None, {"KUBECONFIG": "/nonexistent/a"}, "KUBECONFIG=/nonexistent/a: no such file"),
        (None, {}, "no Kubernetes configuration: pass --kubeconfig"),
        (
            None,
            {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"},
            "in-cluster configuration: Service token file does not exist",
        ),
    ],
)
@pytest.mark.asyncio
async def test_missing_configuration_is_a_clear_error(
    tmp_path: Path, flag: str | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(KubeConfigError, match=message.replace(".", r"\.")):
        await load_api_client(flag, environ=env, home=tmp_path)


@pytest.mark.asyncio
async def test_malformed_kubeconfig_names_its_source(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Config\nclusters: [\n")
    with pytest.raises(KubeConfigError, match="kubeconfig from --kubeconfig"):
        await load_api_client(str(bad), environ={}, home=tmp_path)


@pytest.mark.asyncio
async def test_in_cluster_uses_the_service_account(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("sa-token")
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    client = in_cluster_client(environ=env, token_file=str(token), ca_file=certifi.where())
    try:
        configuration = client.configuration
        assert configuration.host == "https://10.96.0.1:443"
        assert await configuration.get_api_key_with_prefix("BearerToken") == "Bearer sa-token"
    finally:
        await client.close()


EXEC_KUBECONFIG = """apiVersion: v1
kind: Config
current-context: exec
clusters:
- name: exec
  cluster: {{server: "{url}"}}
users:
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: "{python}"
      args: ["-c", "{script}", "{token_file}"]
contexts:
- name: exec
  context: {{cluster: exec, user: exec}}
"""
PLUGIN = (
    "import json, sys; print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1',"
    " 'kind': 'ExecCredential', 'status': {'token': open(sys.argv[1]).read().strip()}}))"
)


@pytest.mark.asyncio
async def test_exec_plugin_credentials_are_refreshed(
    api: KubeApiStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kube_config, "CREDENTIAL_REFRESH_SECONDS", 0.0)
    token_file = tmp_path / "token"
    token_file.write_text("first")
    path = tmp_path / "kubeconfig"
    path.write_text(
        EXEC_KUBECONFIG.format(
            url=api.url, python=sys.executable, script=PLUGIN, token_file=token_file
        )
    )
    api.add(objects.pod("web"))
    api.token = "first"
    client = await load_api_client(str(path), environ={}, home=tmp_path)
    try:
        assert await served_pods(client) == ["web"]
        token_file.write_text("second")  # the credential rotates
        api.token = "second"
        assert await served_pods(client) == ["web"]
    finally:
        await client.close()
    assert [r.status for r in api.requests] == [0, 0]
