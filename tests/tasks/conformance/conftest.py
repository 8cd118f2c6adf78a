"""The conformance runs' counts, printed in pytest's terminal summary (they pass quietly otherwise)."""
import pytest

_REPORT: list[str] = []


@pytest.fixture
def conformance_report() -> list[str]:
    return _REPORT


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        terminalreporter.section("dramatiq conformance")
        for line in _REPORT:
            terminalreporter.write_line(line)
