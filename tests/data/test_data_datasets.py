"""Open datasets ship in the package and load without a network."""

from __future__ import annotations

import subprocess
import sys

import pytest

import modelyard as yard
from modelyard.errors import NotFound


def test_catalog() -> None:
    assert yard.datasets.list() == ["airline_passengers", "diabetes", "iris"]
    tasks = {yard.datasets.info(n).task for n in yard.datasets.list()}
    assert tasks == {"classification", "regression", "forecasting"}


def test_each_loads_with_its_documented_shape() -> None:
    iris = yard.datasets.load("iris")
    assert iris.shape == (150, 5) and sorted(iris["species"].unique()) == ["setosa", "versicolor", "virginica"]
    diabetes = yard.datasets.load("diabetes")
    assert diabetes.shape == (442, 11) and diabetes["progression"].between(25, 346).all()
    air = yard.datasets.load("airline_passengers")
    assert len(air) == 144 and air["passengers"].sum() == 40363
    assert str(air["month"].iloc[0].date()) == "1949-01-01"
    assert yard.datasets.load("iris", as_arrow=True).num_rows == 150


def test_unknown_dataset() -> None:
    with pytest.raises(NotFound, match="iris"):
        yard.datasets.load("mnist")


def test_loads_offline_without_sockets() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network disabled')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import modelyard as yard\n"
        "print(sum(len(yard.datasets.load(n)) for n in yard.datasets.list()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(150 + 442 + 144)
