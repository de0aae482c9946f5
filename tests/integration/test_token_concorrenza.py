"""Two "Accesso per il gestionale" tokens created at once by a professional with 9 active: exactly one
passes the ceiling of 10. Both creations lock the professional's row before counting, so the second counts
after the first has committed. Control: without that lock both count 9 and an 11th token is written.
The window between the count and the insert is widened with a sleep (the secret's generation)."""

import secrets as _secrets
import time

import pytest
from django.db import connection

from apps.professionisti import token_api
from apps.professionisti.models import TokenApi
from tests.factories import utente_di

from .test_fatture_concorrenza import in_parallelo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real parallel transactions need PostgreSQL")


class _SegretiLenti:
    """`secrets` for token_api, with a pause after the ceiling's check (the secret comes right after it)."""

    def token_hex(self, n):
        time.sleep(0.5)
        return _secrets.token_hex(n)

    def token_urlsafe(self, n):
        return _secrets.token_urlsafe(n)


class _SenzaBlocco:
    """Professionista's manager as token_api sees it, with the row lock taken away (the control)."""

    class objects:  # noqa: N801
        @staticmethod
        def select_for_update():
            class _Niente:
                def filter(self, **_kw):
                    return self

                def first(self):
                    return None

            return _Niente()


def _due_alla_volta(bob):
    utente = utente_di(bob)
    for i in range(9):
        token_api.crea_token(utente, bob, nome=f"t{i}", ambiti=["lettura"], giorni=30)

    def crea(nome):
        def lavoro():
            try:
                return token_api.crea_token(utente, bob, nome=nome, ambiti=["lettura"], giorni=30)[0].nome
            except token_api.ErroriToken as exc:
                return str(exc.errori[0].message)

        return lavoro

    return in_parallelo(crea("A"), crea("B"))


def test_two_creations_at_once_never_pass_the_ceiling(bob, monkeypatch):
    monkeypatch.setattr(token_api, "secrets", _SegretiLenti())
    esiti = _due_alla_volta(bob)
    assert sorted(e[:3] for e in esiti) in (["A", "Hai"], ["B", "Hai"])  # "Hai già 10 token attivi"
    assert TokenApi.objects.filter(professionista=bob).count() == 10


def test_control_without_the_lock_both_pass_and_an_eleventh_token_is_written(bob, monkeypatch):
    monkeypatch.setattr(token_api, "secrets", _SegretiLenti())
    monkeypatch.setattr(token_api, "Professionista", _SenzaBlocco)
    assert sorted(_due_alla_volta(bob)) == ["A", "B"]
    assert TokenApi.objects.filter(professionista=bob).count() == 11
