import shutil

import numpy as np
import pytest

from helpers.datasets import (DATA_DIR, load_seattle_daily_weather,
                              make_stripe_images, make_windows, sha256_of, split_by_time,
                              verify_checksum)


def test_shipped_files_match_their_checksums():
    listed = [line.split()[1] for line in (DATA_DIR / "SHA256SUMS").read_text().splitlines()]
    assert sorted(listed) == sorted(p.name for p in [*DATA_DIR.glob("*.csv"), *DATA_DIR.glob("*.tsv")])
    for name in listed:
        assert verify_checksum(DATA_DIR / name) == sha256_of(DATA_DIR / name)


def test_a_changed_file_is_refused(tmp_path):
    shutil.copy(DATA_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    with pytest.raises(FileNotFoundError, match="missing"):
        load_seattle_daily_weather(data_dir=tmp_path)
    name = "seattle_daily_weather_2012_2015.csv"
    text = (DATA_DIR / name).read_text()
    (tmp_path / name).write_text(text.replace("2012/01/01,0.0,12.8", "2012/01/01,0.0,13.8"))
    with pytest.raises(ValueError, match="was changed or damaged"):
        load_seattle_daily_weather(data_dir=tmp_path)
    (tmp_path / name).write_text(text)
    assert load_seattle_daily_weather(data_dir=tmp_path)[0].values.shape == (1461, 4)
    (tmp_path / "SHA256SUMS").write_text("")
    with pytest.raises(ValueError, match="has no entry in"):
        load_seattle_daily_weather(data_dir=tmp_path)


def test_daily_weather():
    ts, labels = load_seattle_daily_weather()
    assert ts.values.shape == (1461, 4) and labels.shape == (1461,)
    assert set(labels) == {"drizzle", "rain", "sun", "snow", "fog"}
    assert ts.times[0] == np.datetime64("2012-01-01") and ts.times[-1] == np.datetime64("2015-12-31")
    assert np.all(np.diff(ts.times).astype(int) == 1)  # one row per day, no gaps
    np.testing.assert_array_equal(ts.values[0], [0.0, 12.8, 5.0, 4.7])  # the file's first row
    assert labels[0] == "drizzle"
    assert np.all(ts.column("precipitation [mm]") >= 0)
    assert np.all(ts.column("max temperature [°C]") >= ts.column("min temperature [°C]"))
    with pytest.raises(ValueError, match="name: expected one of"):
        ts.column("humidity")


def test_make_windows_layout():
    series = np.arange(20.0)[:, None] * np.array([1.0, 10.0])  # (20, 2): column 1 = 10 * column 0
    x, y = make_windows(series, window=5, horizon=3, stride=2)
    n = (20 - 5 - 3) // 2 + 1
    assert x.shape == (5, n, 2) and y.shape == (n, 1)
    np.testing.assert_array_equal(x[:, 1, 0], [2, 3, 4, 5, 6])  # window 1 starts at step 2
    assert y[1, 0] == 6 + 3  # 3 steps after the window's last step
    x2, y2 = make_windows(series, window=5, target=[0, 1])
    assert y2.shape == (15, 2) and y2[0, 1] == 50
    assert make_windows(np.arange(10.0), window=4)[0].shape == (4, 6, 1)


def test_make_windows_bad_input():
    with pytest.raises(ValueError, match="window: window \\+ horizon = 12 exceeds the series length 10"):
        make_windows(np.zeros(10), window=10, horizon=2)
    with pytest.raises(ValueError, match="horizon: expected a positive int"):
        make_windows(np.zeros(10), window=3, horizon=0)
    with pytest.raises(ValueError, match=r"target: expected column indices in \[0, 1\)"):
        make_windows(np.zeros(10), window=3, target=2)
    with pytest.raises(ValueError, match="series: expected a 2-d array"):
        make_windows(np.zeros((2, 3, 4)), window=1)


def test_split_by_time_keeps_order():
    x = np.arange(10.0)[None, :, None]  # (1, 10, 1)
    y = np.arange(10.0)[:, None]
    (xtr, ytr), (xva, yva), (xte, yte) = split_by_time(x, y, (0.6, 0.2, 0.2))
    np.testing.assert_array_equal(ytr[:, 0], np.arange(6))
    np.testing.assert_array_equal(yva[:, 0], [6, 7])
    np.testing.assert_array_equal(xte[0, :, 0], [8, 9])
    with pytest.raises(ValueError, match="fractions: expected three non-negative numbers summing to 1"):
        split_by_time(x, y, (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match=r"y: expected shape \(N, ...\) with N = 10"):
        split_by_time(x, y[:3])


def test_split_by_time_gap_removes_shared_days():
    series = np.arange(100.0)
    T, horizon = 5, 2
    x, y = make_windows(series, window=T, horizon=horizon)
    (xtr, ytr), (xva, yva), (xte, yte) = split_by_time(x, y, gap=T + horizon - 1)
    assert max(xtr.max(), ytr.max()) < xva.min()  # every training day precedes every validation day
    assert max(xva.max(), yva.max()) < xte.min()
    (_, ytr0), (xva0, _), _ = split_by_time(x, y, gap=0)
    assert ytr0.max() >= xva0.min()  # without the gap, days are shared
    with pytest.raises(ValueError, match="gap: expected a non-negative int"):
        split_by_time(x, y, gap=-1)
    with pytest.raises(ValueError, match="leave an empty set"):
        split_by_time(x, y, gap=50)


def test_stripe_images_are_reproducible(rng):
    from helpers.seeding import make_rng
    a, la = make_stripe_images(3, 8, make_rng(1))
    b, lb = make_stripe_images(3, 8, make_rng(1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 3, 8, 8) and list(la) == [0, 0, 0, 1, 1, 1]
    assert a.min() >= 0 and a.max() <= 1
