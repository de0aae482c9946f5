"""Reference data: regions (Ministry of Health codes), provinces (ISO 3166-2:IT via pycountry),
the three bandi with the rules of DESIGN.md, the 2023 regional budgets (fixtures/riparto_2023.csv)
the "Operatore INPS" permission group and the scheduled jobs (apps/core/pianificazione.py)."""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pycountry
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from apps.core import riferimenti
from apps.core.models import Provincia, Regione
from apps.core.pianificazione import crea_pianificazioni

from .models import Bando, BudgetRegionale

REGIONI = {
    "010": "Piemonte", "020": "Valle d'Aosta", "030": "Lombardia", "041": "P.A. Bolzano",
    "042": "P.A. Trento", "050": "Veneto", "060": "Friuli-Venezia Giulia", "070": "Liguria",
    "080": "Emilia-Romagna", "090": "Toscana", "100": "Umbria", "110": "Marche", "120": "Lazio",
    "130": "Abruzzo", "140": "Molise", "150": "Campania", "160": "Puglia", "170": "Basilicata",
    "180": "Calabria", "190": "Sicilia", "200": "Sardegna",
}  # fmt: skip

# ISO 3166-2:IT region → Ministry of Health code. Trentino-Alto Adige is split by province below.
ISO_REGIONE = {
    "IT-21": "010", "IT-23": "020", "IT-25": "030", "IT-34": "050", "IT-36": "060", "IT-42": "070",
    "IT-45": "080", "IT-52": "090", "IT-55": "100", "IT-57": "110", "IT-62": "120", "IT-65": "130",
    "IT-67": "140", "IT-72": "150", "IT-75": "160", "IT-77": "170", "IT-78": "180", "IT-82": "190",
    "IT-88": "200",
}  # fmt: skip
PROVINCE_AUTONOME = {"BZ": "041", "TN": "042"}
# Valle d'Aosta has no province (the region exercises its functions), so ISO 3166-2 lists none;
# residents still write "AO" as their sigla.
PROVINCE_FUORI_ISO = [("AO", "Aosta", "020")]

BANDI = [
    {
        "anno": 2022, "nome": "Contributo sessioni di psicoterapia 2022",
        "apertura": dt.date(2022, 7, 25), "chiusura": dt.date(2022, 10, 24),
        "importi": ("600.00", "400.00", "200.00"), "giorni_regolarizzazione": 30, "giorni_validita": 180,
        "giorni_prima_seduta": None, "scorrimenti_massimi": None, "esclusi": [],
    },
    {
        "anno": 2023, "nome": "Contributo sessioni di psicoterapia 2023 (domande 2024)",
        "apertura": dt.date(2024, 3, 18), "chiusura": dt.date(2024, 5, 31),
        "importi": ("1500.00", "1000.00", "500.00"), "giorni_regolarizzazione": 30, "giorni_validita": 270,
        "giorni_prima_seduta": None, "scorrimenti_massimi": None, "esclusi": [],
    },
    {
        "anno": 2025, "nome": "Contributo sessioni di psicoterapia 2025 (fondi 2024 e 2025)",
        "apertura": dt.date(2025, 9, 15), "chiusura": dt.date(2025, 11, 14),
        "importi": ("1500.00", "1000.00", "500.00"), "giorni_regolarizzazione": 15, "giorni_validita": 270,
        "giorni_prima_seduta": 60, "scorrimenti_massimi": 1, "esclusi": ["042"],
    },
]  # fmt: skip

RIPARTO_2023 = Path(settings.BASE_DIR) / "fixtures" / "riparto_2023.csv"

OPERATORE_GROUP = "Operatore INPS"
OPERATORE_PERMS = {
    "domande": ["view_bando", "change_bando", "add_bando", "view_budgetregionale", "add_budgetregionale",
                "change_budgetregionale", "view_domanda", "add_domanda", "view_attestazioneisee",
                "view_rappresentanzalegale", "add_rappresentanzalegale"],
    "graduatorie": ["view_graduatoria", "change_graduatoria", "view_posizione", "view_scorrimento"],
    "codici": ["view_codiceunivoco", "view_movimentocodice", "view_movimentofondo"],
    "professionisti": ["view_professionista", "view_studio", "view_canaleaccredito", "view_importazionecnop",
                       "add_importazionecnop"],
    "sedute": ["view_seduta"],
    "fatture": ["view_fattura", "view_sedutafatturata"],
    "rimborsi": ["view_trasferimentorisorse", "add_trasferimentorisorse", "view_lottorimborsi",
                 "add_lottorimborsi", "change_lottorimborsi", "view_rimborso", "change_rimborso",
                 "view_vocerimborso", "view_fatturasospesa"],
    "core": ["view_regione", "view_provincia", "view_auditevent", "view_notifica", "view_esecuzionejob"],
    "monitoraggio": ["view_instantanea"],
    # The scheduled jobs (apps/core/pianificazione.py): operators move a time or disable a job, and may
    # add a schedule to move it to; they neither create nor delete jobs (the code defines them).
    "django_celery_beat": ["view_periodictask", "change_periodictask", "view_crontabschedule",
                           "add_crontabschedule", "view_intervalschedule", "add_intervalschedule"],
    "pagine": ["view_paginacontenuto", "change_paginacontenuto", "add_paginacontenuto", "view_valutazione"],
}  # fmt: skip


def province_iso() -> list[tuple[str, str, str]]:
    righe = []
    for sub in pycountry.subdivisions.get(country_code="IT"):
        if sub.parent_code is None:  # a region, not a province
            continue
        sigla = sub.code.split("-", 1)[1]
        regione = PROVINCE_AUTONOME.get(sigla) or ISO_REGIONE[sub.parent_code]
        righe.append((sigla, sub.name, regione))
    return righe + PROVINCE_FUORI_ISO


@transaction.atomic
def load_reference_data() -> dict:
    for codice, nome in REGIONI.items():
        Regione.objects.update_or_create(codice=codice, defaults={"nome": nome})
    province = province_iso()
    for sigla, nome, regione in province:
        Provincia.objects.update_or_create(sigla=sigla, defaults={"nome": nome, "regione_id": regione})

    bandi_creati = 0
    for spec in BANDI:
        a, b, c = (Decimal(x) for x in spec["importi"])
        # Existing bandi are left as operators edited them: reference data only fills the gaps.
        bando, created = Bando.objects.get_or_create(
            anno=spec["anno"],
            defaults={
                "nome": spec["nome"], "apertura": spec["apertura"], "chiusura": spec["chiusura"],
                "importo_fascia_a": a, "importo_fascia_b": b, "importo_fascia_c": c,
                "giorni_regolarizzazione": spec["giorni_regolarizzazione"],
                "giorni_validita": spec["giorni_validita"],
                "giorni_prima_seduta": spec["giorni_prima_seduta"],
                "scorrimenti_massimi": spec["scorrimenti_massimi"],
            },
        )  # fmt: skip
        if created:
            bando.territori_esclusi.set(spec["esclusi"])
            bandi_creati += 1

    bando_2023 = Bando.objects.get(anno=2023)
    with RIPARTO_2023.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            BudgetRegionale.objects.get_or_create(
                bando=bando_2023, regione_id=row["regione"], defaults={"importo": Decimal(row["budget_2023"])}
            )

    group, _ = Group.objects.get_or_create(name=OPERATORE_GROUP)
    perms = [
        p for app, codenames in OPERATORE_PERMS.items()
        for p in Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
    ]  # fmt: skip
    group.permissions.add(*perms)
    pianificazioni = crea_pianificazioni()
    riferimenti.svuota()  # this process serves the rows just written
    return {
        "regioni": len(REGIONI), "province": len(province), "bandi_creati": bandi_creati,
        "pianificazioni_create": pianificazioni,
    }  # fmt: skip
