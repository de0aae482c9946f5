"""The lock files still satisfy pyproject.toml: a dependency added or narrowed there without `make lock`
fails here instead of installing something else in Docker and CI."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _pins(nome: str) -> dict[str, str]:
    testo = (ROOT / nome).read_text()
    return {canonicalize_name(n): v for n, v in PIN.findall(testo)}


def _verifica(requisiti: list[str], pins: dict[str, str]):
    for riga in requisiti:
        req = Requirement(riga)
        versione = pins.get(canonicalize_name(req.name))
        assert versione is not None, f"{req.name} manca nel lock: esegui make lock"
        assert req.specifier.contains(versione, prereleases=True), (
            f"{req.name}=={versione} non soddisfa {req}"
        )


def test_requirements_lock_satisfies_the_runtime_dependencies():
    _verifica(PYPROJECT["dependencies"], _pins("requirements.lock"))


def test_requirements_dev_lock_satisfies_runtime_and_dev_dependencies():
    _verifica(
        PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"], _pins("requirements-dev.lock")
    )


def test_the_two_locks_agree_on_every_shared_package():
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}


@pytest.mark.parametrize("nome", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_has_a_hash(nome):
    blocchi = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / nome).read_text().split("\n", 6)[-1])
    for blocco in blocchi:
        if PIN.match(blocco):
            assert "--hash=sha256:" in blocco, blocco.splitlines()[0]
