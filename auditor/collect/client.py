"""Where to collect from and as whom: clouds, credentials and the Resource Graph client."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core import AzureClouds
from azure.core.credentials import TokenCredential
from azure.core.rest import HttpRequest
from azure.identity import (
    AzureAuthorityHosts,
    AzureCliCredential,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)
from azure.mgmt.core.tools import get_arm_endpoints
from azure.mgmt.resourcegraph import ResourceGraphClient

from auditor import TOOL_NAME, __version__
from auditor.collect.errors import CollectError
from auditor.collect.request import AUTH_METHODS

API_VERSION = "2021-03-01"
QUERY_PATH = "/providers/Microsoft.ResourceGraph/resources"
# The az CLI's cloud names; each sets the ARM endpoint, the token scope and the sign-in host.
CLOUDS = {
    "AzureCloud": (AzureClouds.AZURE_PUBLIC_CLOUD, AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
    "AzureUSGovernment": (AzureClouds.AZURE_US_GOVERNMENT, AzureAuthorityHosts.AZURE_GOVERNMENT),
    "AzureChinaCloud": (AzureClouds.AZURE_CHINA_CLOUD, AzureAuthorityHosts.AZURE_CHINA),
}


@dataclass(frozen=True, slots=True)
class Target:
    """The endpoint to query and the token scope to ask for it; `name` goes in the manifest."""

    name: str
    base_url: str
    scope: str
    authority: str


def target_for(cloud: str = "AzureCloud", endpoint: str | None = None,
               scope: str | None = None) -> Target:
    """A named cloud, or any ARM-compatible endpoint (Azure Stack Hub) with its own scope.

    Both the endpoint and the scope must change together: a Government endpoint reached with a
    public-cloud token is refused, and the Government scope is not the endpoint's host.
    """
    if cloud not in CLOUDS:
        raise CollectError(f"unknown cloud {cloud!r}; known: {', '.join(CLOUDS)}")
    setting, authority = CLOUDS[cloud]
    arm = get_arm_endpoints(setting)
    if endpoint is None:
        return Target(cloud, arm["resource_manager"].rstrip("/"),
                      scope or arm["credential_scopes"][0], authority)
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname:
        raise CollectError(f"--endpoint must be an https:// URL, got {endpoint!r}")
    base = endpoint.rstrip("/")
    return Target(base, base, scope or f"{base}/.default", authority)


def credential_for(auth: str, target: Target) -> TokenCredential:
    """The credential `--auth` names; constructing one does no I/O."""
    authority = None if target.authority == AzureAuthorityHosts.AZURE_PUBLIC_CLOUD \
        else target.authority  # leave AZURE_AUTHORITY_HOST in charge of the public cloud
    options: dict[str, Any] = {"authority": authority} if authority else {}
    if auth == "default":
        return DefaultAzureCredential(**options)
    if auth == "cli":
        return AzureCliCredential()
    if auth == "managed-identity":  # a user-assigned one is named as DefaultAzureCredential does
        return ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
    if auth == "environment":
        return EnvironmentCredential(**options)
    if auth == "workload-identity":
        try:
            return WorkloadIdentityCredential(**options)
        except ValueError as error:
            raise CollectError(f"--auth workload-identity: {error}") from None
    raise CollectError(f"unknown --auth {auth!r}; known: {', '.join(AUTH_METHODS)}")


def open_client(credential: TokenCredential, target: Target,
                **options: Any) -> ResourceGraphClient:
    """The real SDK client. Its own retries are off: the pager retries, and reads the quota
    headers of every answer, which the SDK's retry policy would hide or double."""
    settings: dict[str, Any] = {"retry_total": 0, "connection_timeout": 30,
                                "read_timeout": 300, "user_agent": f"{TOOL_NAME}/{__version__}",
                                "connection_data_block_size": 1 << 20}  # pages are megabytes
    settings.update(options)
    return ResourceGraphClient(credential, base_url=target.base_url,
                               credential_scopes=[target.scope], **settings)


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer, read whole: a page is at most 16 MB."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float


Send = Callable[[dict[str, Any]], Reply]


def sender(client: ResourceGraphClient, clock: Callable[[], float] = time.perf_counter) -> Send:
    """POST one query body through the client's pipeline (sign-in, user agent, transport).

    The raw response is read rather than `client.resources()`'s model: the SDK walks every
    value of every row in Python to build it, which costs more than the rest of a collection.
    """
    def send(body: dict[str, Any]) -> Reply:
        request = HttpRequest("POST", QUERY_PATH, params={"api-version": API_VERSION}, json=body)
        started = clock()
        response = client._send_request(request, stream=True)
        try:
            content = response.read()
        finally:
            response.close()
        return Reply(response.status_code, response.headers, content, clock() - started)
    return send
