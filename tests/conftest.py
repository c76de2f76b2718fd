import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def rng():
    from helpers.seeding import make_rng
    return make_rng(0)
