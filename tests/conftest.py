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


@pytest.fixture(scope="module")
def number_words():
    """The number words of notebook 10 (helpers.translation.load_number_words)."""
    from helpers.translation import load_number_words
    return load_number_words()


@pytest.fixture(scope="module")
def number_pairs(number_words):
    """{number: (english, german)} over every split."""
    return {int(n): (e, g) for s in number_words.values() for n, e, g in zip(s.numbers, s.english, s.german)}
