"""Fixtures for the gateway: the golden set, the demo shop, and a fake provider server
with gateway configs pointing the real SDKs at it."""
import dataclasses
import json
from pathlib import Path

import pytest

from gateway import GatewayConfig
from gateway.evaluation import load_golden
from tests.fakes.llm_server import FakeLLMServer

GOLDEN = Path(__file__).resolve().parents[2] / "seeds" / "golden"


@pytest.fixture(scope="session")
def golden():
    """(shop, cases) of the golden set."""
    return load_golden(GOLDEN)


@pytest.fixture(scope="session")
def golden_raw() -> dict[str, dict]:
    """The golden case files as written, by case id (with their recorded responses)."""
    return {p.stem: json.loads(p.read_text()) for p in sorted((GOLDEN / "cases").glob("*.json"))}


@pytest.fixture(scope="session")
def shop(golden):
    return golden[0]


@pytest.fixture(scope="session")
def llm_server():
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def config(llm_server) -> GatewayConfig:
    """Both providers configured against the fake server; small retry budget, 10 s deadline."""
    return GatewayConfig(anthropic_api_key="sk-ant-test-key-0001", openai_api_key="sk-openai-test-key-0002",
                         anthropic_base_url=llm_server.anthropic_base_url, openai_base_url=llm_server.openai_base_url,
                         max_retries=2, deadline_s=10.0)


@pytest.fixture
def anthropic_only(config) -> GatewayConfig:
    return dataclasses.replace(config, openai_api_key=None)
