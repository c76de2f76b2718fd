"""Recreate the course's data files from their published sources (a development script).

Usage: python data/make_data.py path/to/vega_datasets-0.9.0-py3-none-any.whl

The wheel is obtained with `pip download --no-deps vega_datasets==0.9.0`. The script copies each file
out of it unchanged and checks the result against SHA256SUMS.
"""
import hashlib
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FROM_WHEEL = {"vega_datasets/_data/seattle-weather.csv": "seattle_daily_weather_2012_2015.csv"}


def main(wheel: str) -> None:
    expected = dict(reversed(line.split()) for line in (HERE / "SHA256SUMS").read_text().splitlines())
    with zipfile.ZipFile(wheel) as zf:
        for member, name in FROM_WHEEL.items():
            data = zf.read(member)
            digest = hashlib.sha256(data).hexdigest()
            if digest != expected[name]:
                raise SystemExit(f"{name}: SHA-256 {digest} does not match SHA256SUMS ({expected[name]})")
            (HERE / name).write_bytes(data)
            print(f"wrote {name} ({len(data)} bytes), SHA-256 verified")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
