"""Paths of the Albanian 2017 fixtures (see README.md for their source and licence)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_CSV = HERE / "albania_2017_parliamentary_results_by_polling_station.csv"
OPENING_CSV = HERE / "albania_2017_cdo_opening_observation_sample.csv"
