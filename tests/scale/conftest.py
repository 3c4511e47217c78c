"""One local Ray (2 CPUs) for the whole scale test session; started on first use."""

import pytest


@pytest.fixture(scope="session")
def local_ray():
    """A local Ray with ``num_cpus=2``, shut down at the end of the session."""
    ray = pytest.importorskip("ray")
    from sedtheory.scale.runner import start_ray

    started = start_ray(num_cpus=2)
    yield ray
    if started:
        ray.shutdown()
