"""Plain-SQL reads on the API's hot path (apps.core.righe): the token's read and the studio's read give the
instances the ORM gives, field by field, and nothing for what the ORM would not find."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core import righe
from apps.professionisti.models import Professionista, Studio, TokenApi
from apps.professionisti.selectors import studio_di
from apps.professionisti.token_api import _leggi, autentica, crea_token
from tests.factories import ProfessionistaFactory, utente_di

pytestmark = pytest.mark.django_db


def _campi(istanza) -> dict:
    return {f.attname: getattr(istanza, f.attname) for f in type(istanza)._meta.concrete_fields}


def test_the_token_read_is_the_orms_select_related(bob):
    utente = utente_di(bob)
    token, chiaro = crea_token(utente, bob, nome="PsicoGest", ambiti=["lettura", "fatture"], giorni=30)
    TokenApi.objects.filter(pk=token.pk).update(ultimo_uso_il=timezone.now() - dt.timedelta(days=2))
    orm = TokenApi.objects.select_related("professionista__utente").get(pk=token.pk)

    with CaptureQueriesContext(connection) as query:
        letto = _leggi(chiaro.split("_")[1])
    assert len(query) == 1
    assert _campi(letto) == _campi(orm)
    assert sorted(letto.ambiti) == ["fatture", "lettura"]  # JSON decoded, as the ORM does
    assert timezone.is_aware(letto.scade_il) and timezone.is_aware(letto.ultimo_uso_il)
    assert letto.revocato_il is None
    with CaptureQueriesContext(connection) as query:  # professional and login come with it: no query
        assert _campi(letto.professionista) == _campi(orm.professionista)
        assert _campi(letto.professionista.utente) == _campi(orm.professionista.utente)
        assert letto.professionista.utente.is_active is True and letto.professionista.psicoterapeuta is True
    assert len(query) == 0
    assert letto._state.adding is False and letto._state.db == "default"


def test_a_professional_without_a_login_reads_as_none_and_the_codice_fiscale_stays():
    senza = ProfessionistaFactory()
    utente = utente_di(senza)
    token, chiaro = crea_token(utente, senza, nome="x", ambiti=["lettura"], giorni=30)
    utente.codice_fiscale = "RSSMRA80A01H501U"  # the login now belongs to someone else
    utente.save()
    letto = _leggi(chiaro.split("_")[1])
    assert letto.professionista.utente is None
    assert letto.professionista.codice_fiscale == senza.codice_fiscale
    assert autentica(chiaro) is not None  # found; the API refuses it without a login (test_api.py)


def test_an_unknown_prefix_reads_nothing(bob):
    assert _leggi("nessuno") is None
    assert autentica("bp_nessuno_segreto") is None


def test_the_studio_read_finds_only_the_professionals_own(bob):
    proprio = bob.studi.first()
    altrui = ProfessionistaFactory().studi.first()
    assert _campi(studio_di(bob, proprio.pk)) == _campi(Studio.objects.get(pk=proprio.pk))
    assert studio_di(bob, altrui.pk) is None
    assert studio_di(bob, 2**31 - 1) is None


def test_a_row_of_the_wrong_width_is_refused_not_misread(bob):
    with pytest.raises(ValueError):
        righe.istanza(Professionista, (1, "X"))
    with pytest.raises(ValueError):
        righe.dividi((Professionista, Studio), tuple(range(len(Professionista._meta.concrete_fields) + 1)))
    tabella = righe.tabella(Professionista)
    with pytest.raises(ValueError):
        righe.leggi((Professionista,), f"SELECT {righe.colonne(Professionista, 'p')}, 1 FROM {tabella} p", [])


def test_the_values_after_the_models_are_given_back(bob):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {righe.colonne(Professionista)}, 7, 'x' FROM {righe.tabella(Professionista)}")
        riga = cursor.fetchone()
    (letto,), resto = righe.dividi((Professionista,), riga)
    assert _campi(letto) == _campi(Professionista.objects.get(pk=letto.pk)) and resto == (7, "x")
