"""Property-based requests from the server's OpenAPI document: none may get a 5xx or break the schema.

Every operation is exercised against the live server, with schemathesis's default checks (no server
error; status codes, content types, headers and bodies as documented). Bounded: at most 20 examples
per operation and no deadline (a chat answer takes about a second), so the run takes a few minutes.

The document is generated at collection time, from an app built without opening anything
(schemathesis's fixture-based loading does not work with this pytest); a test checks that the live
server serves that same document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis.generation.case import Case

from medreason.server.main import create_app
from medreason.server.settings import ServerSettings

pytestmark = pytest.mark.shared_data

OPENAPI = create_app(ServerSettings.model_construct(store=Path("unused"))).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


def test_the_live_server_serves_the_document_under_test(client: httpx.Client) -> None:
    assert client.get("/openapi.json").json() == OPENAPI


@schema.parametrize()
# The live server runs in this process: its threads (the agent's libraries) may move the global `random`
# state while hypothesis draws a case, which hypothesis reports as a strategy using `random`.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@hypothesis.settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_request_the_schema_allows_gets_a_server_error(case: Case[Any], base_url: str) -> None:
    case.call_and_validate(base_url=base_url, timeout=120)
