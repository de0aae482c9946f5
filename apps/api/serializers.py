"""What the API reads and writes. Shapes only: every rule is in the services the pages call."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.money import MASSIMO_SEDUTA, MONEY
from apps.fatture.models import Fattura
from apps.rimborsi.models import Rimborso
from apps.sedute.models import Seduta

IMPORTO = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"]}


class VerificaIn(serializers.Serializer):
    codice_fiscale = serializers.CharField(max_length=16, help_text=_("Codice fiscale del paziente."))
    codice = serializers.CharField(max_length=20, help_text=_("Codice univoco comunicato dal paziente."))


class VerificaOut(serializers.Serializer):
    token_verifica = serializers.CharField(
        help_text=_("Da indicare nella prenotazione; vale 30 minuti e solo per chi ha verificato.")
    )
    scade_il = serializers.DateTimeField()
    nominativo = serializers.CharField()
    residuo = serializers.DecimalField(**IMPORTO)
    massimo = serializers.DecimalField(**IMPORTO, help_text=_("Importo massimo per una seduta."))
    valido_dal = serializers.DateField()
    valido_fino_al = serializers.DateField()


class StudioOut(serializers.Serializer):
    id = serializers.IntegerField()
    indirizzo = serializers.CharField()
    comune = serializers.CharField()
    provincia = serializers.CharField(source="provincia_id")
    cap = serializers.CharField()


def _etichetta(campo: str):
    """The label a ModelSerializer would give the model's field (its verbose name, capitalised)."""
    return capfirst(Seduta._meta.get_field(campo).verbose_name)


# Declared field by field, not a ModelSerializer: the same schema (tests/integration/test_api.py pins
# it) without building the fields from the model on every response, a booking's response being on the
# API's hot path (bench/api.py).
class SedutaOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    numero = serializers.CharField(read_only=True)
    stato = serializers.ChoiceField(choices=Seduta.Stato.choices, read_only=True)
    codice_fiscale_paziente = serializers.CharField(source="codice.domanda.cf_beneficiario", read_only=True)
    studio = serializers.IntegerField(source="studio_id", read_only=True)
    inizio = serializers.DateTimeField(read_only=True, label=_etichetta("inizio"))
    durata_minuti = serializers.IntegerField(read_only=True, label=_etichetta("durata_minuti"))
    importo = serializers.DecimalField(**IMPORTO, read_only=True)
    confermata_il = serializers.DateTimeField(read_only=True, allow_null=True)
    annullata_il = serializers.DateTimeField(read_only=True, allow_null=True)
    # Empty while the seduta is not cancelled: the schema says so.
    annullata_da = serializers.ChoiceField(
        choices=Seduta.AnnullataDa.choices, allow_blank=True, read_only=True
    )


class _DatiSeduta(serializers.Serializer):
    inizio = serializers.DateTimeField(help_text=_("Data e ora di inizio, ISO 8601 con fuso orario."))
    durata_minuti = serializers.IntegerField(min_value=1, max_value=600)
    importo = serializers.DecimalField(**IMPORTO, min_value=0, max_value=MASSIMO_SEDUTA)


class PrenotaIn(_DatiSeduta):
    token_verifica = serializers.CharField(max_length=500)
    studio = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=_("Uno dei tuoi studi."))


class ModificaIn(_DatiSeduta):
    pass


class FiltroSedute(serializers.Serializer):
    stato = serializers.ChoiceField(choices=Seduta.Stato.choices, required=False)
    dal = serializers.DateField(required=False)
    al = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("dal") and attrs.get("al") and attrs["al"] < attrs["dal"]:
            raise serializers.ValidationError({"al": _("La data finale viene prima di quella iniziale.")})
        return attrs


class FatturaIn(serializers.Serializer):
    sedute = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), min_length=1, max_length=200,
        help_text=_("Gli id delle sedute confermate della fattura, tutte dello stesso paziente."),
    )  # fmt: skip
    emittente = serializers.CharField(max_length=200)
    numero = serializers.CharField(max_length=30)
    data = serializers.DateField()
    totale = serializers.DecimalField(**IMPORTO, min_value=0)


class FatturaOut(serializers.ModelSerializer):
    sedute = serializers.SerializerMethodField()
    stato_pagamento = serializers.SerializerMethodField()

    class Meta:
        model = Fattura
        fields = [
            "id", "emittente", "numero", "data", "totale", "importo_bonus", "stato", "registrata_il",
            "ritirata_il", "rimborsata_il", "sedute", "stato_pagamento",
        ]  # fmt: skip
        read_only_fields = fields

    def get_sedute(self, fattura) -> list[int]:
        return sorted(r.seduta_id for r in fattura.righe.all() if r.attiva)

    def get_stato_pagamento(self, fattura) -> str:
        return fattura.get_stato_display()


class RimborsoOut(serializers.ModelSerializer):
    mese = serializers.DateField(source="lotto.mese", read_only=True)
    iban = serializers.CharField(source="iban_mascherato", read_only=True)

    class Meta:
        model = Rimborso
        fields = ["numero", "mese", "importo", "stato", "iban", "pagato_il", "motivo_rifiuto"]
        read_only_fields = fields
