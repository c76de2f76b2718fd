import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def rng():
    from helpers.seeding import make_rng
    return make_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts and ends without open figures."""
    yield
    import matplotlib.pyplot as plt
    plt.close("all")
