"""start_ray: a local start that times out is tried again, then reported (Ray's init is stubbed)."""

import pytest

ray = pytest.importorskip("ray")

from sedtheory.scale import runner  # noqa: E402


class _FlakyInit:
    """Stands in for ``ray.init``: fails ``failures`` times as a timed-out node does, then succeeds."""

    def __init__(self, failures):
        self.failures, self.calls, self.shutdowns = failures, 0, 0

    def init(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise Exception("The current node timed out during startup.")

    def shutdown(self):
        self.shutdowns += 1


@pytest.fixture
def flaky(monkeypatch):
    def make(failures):
        stub = _FlakyInit(failures)
        monkeypatch.setattr(ray, "is_initialized", lambda: False)
        monkeypatch.setattr(ray, "init", stub.init)
        monkeypatch.setattr(ray, "shutdown", stub.shutdown)
        monkeypatch.setattr(runner, "START_PAUSE_S", 0.0)
        return stub
    return make


def test_a_failed_local_start_is_tried_again(flaky, capsys):
    stub = flaky(runner.START_ATTEMPTS - 1)
    assert runner.start_ray(num_cpus=2) is True
    assert stub.calls == runner.START_ATTEMPTS and stub.shutdowns == runner.START_ATTEMPTS - 1
    assert "trying again" in capsys.readouterr().out


def test_a_start_that_keeps_failing_names_the_cause_and_the_remedy(flaky):
    stub = flaky(runner.START_ATTEMPTS)
    with pytest.raises(ConnectionError, match="could not start a local Ray in 3 attempts.*timed out.*ray-project/ray#65983"):
        runner.start_ray(num_cpus=2)
    assert stub.calls == runner.START_ATTEMPTS
