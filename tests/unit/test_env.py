"""Strict boolean parsing: a typo in a production variable refuses to start instead of reading as False."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from bonuspsi.env import env_bool, env_int_min


@pytest.mark.parametrize(
    "valore,atteso", [("true", True), ("True", True), ("TRUE", True), ("False", False), (" false ", False)]
)
def test_it_reads_true_and_false_in_any_case(monkeypatch, valore, atteso):
    monkeypatch.setenv("PROVA_BOOL", valore)
    assert env_bool("PROVA_BOOL", default=not atteso) is atteso


def test_it_uses_the_default_only_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv("PROVA_BOOL", raising=False)
    assert env_bool("PROVA_BOOL", default=True) is True
    assert env_bool("PROVA_BOOL", default=False) is False


@pytest.mark.parametrize("valore", ["Flase", "ture", "", "1", "0", "yes", "no", "on"])
def test_it_refuses_anything_else_naming_the_variable(monkeypatch, valore):
    monkeypatch.setenv("PROVA_BOOL", valore)
    with pytest.raises(ImproperlyConfigured, match="PROVA_BOOL"):
        env_bool("PROVA_BOOL", default=False)


def test_an_integer_below_its_minimum_or_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("PROVA_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="PROVA_INT"):
        env_int_min("PROVA_INT", default=1, minimo=1)
    monkeypatch.setenv("PROVA_INT", "due")
    with pytest.raises(ImproperlyConfigured, match="PROVA_INT"):
        env_int_min("PROVA_INT", default=1, minimo=1)
    monkeypatch.setenv("PROVA_INT", "2")
    assert env_int_min("PROVA_INT", default=1, minimo=1) == 2
