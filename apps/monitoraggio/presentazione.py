"""What the monitoring pages show (circ. 124/2025 §8): a snapshot's `dati` (services.calcola_dati) as
tables of text cells, the trend over the months as bar charts, and each table as CSV.

Minimisation: a count of beneficiaries from 1 to 4 is shown as "<5" — in the page, in the CSV and in the
charts (no bar is drawn for it, only the label) — so that no small group of people can be singled out. The
public page also minimises its counts of fatture (`pubblico=True`). Zero stays 0: it says nothing about
anyone. Amounts go through `euro()` everywhere, CSV included: these files are read by people (the Ministry,
the Regions), not machines; they are `;`-separated UTF-8 with a BOM, as a spreadsheet set to Italian
expects.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import formats
from django.utils.translation import gettext as _

from apps.core.models import Provincia, Regione
from apps.core.money import euro

SOGLIA = 5
MINIMIZZATO = "<5"


def conteggio(n: int, *, minimizza: bool = True) -> str:
    if minimizza and 0 < n < SOGLIA:
        return MINIMIZZATO
    return formats.number_format(n, force_grouping=True, use_l10n=True)


@dataclass
class Tabella:
    slug: str
    titolo: str
    colonne: list[str]
    righe: list[list[str]]
    totale: list[str] | None = None

    def csv(self, nome_file: str) -> HttpResponse:
        out = io.StringIO()
        out.write("\ufeff")
        scrittore = csv.writer(out, delimiter=";", lineterminator="\r\n")
        scrittore.writerow(self.colonne)
        scrittore.writerows(self.righe)
        if self.totale:
            scrittore.writerow(self.totale)
        risposta = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        risposta["Content-Disposition"] = f'attachment; filename="{nome_file}-{self.slug}.csv"'
        return risposta


@dataclass
class Barra:
    x: float
    y: float
    larghezza: float
    altezza: float
    etichetta: str
    testo: str
    con_etichetta: bool  # with many months only every few carry their label under the bar
    con_testo: bool  # the value over the bar: always for "<5", for every bar when they are few

    @property
    def y_testo(self) -> float:
        return round(self.y - 6, 1)


@dataclass
class Grafico:
    """A server-rendered SVG bar chart (no script), with `tabella` holding the same figures for screen
    readers and for the CSV."""

    slug: str
    titolo: str
    tabella: Tabella
    valori: list[Decimal | None]  # None: a minimised value, no bar
    LARGHEZZA = 640
    ALTEZZA = 220
    MARGINE_BASSO = 36
    MARGINE_ALTO = 22
    barre: list[Barra] = field(init=False)

    def __post_init__(self):
        n = max(len(self.valori), 1)
        massimo = max((v for v in self.valori if v is not None), default=Decimal(0)) or Decimal(1)
        passo = (self.LARGHEZZA - 20) / n
        ogni = -(-n // 12)  # at most 12 month labels
        utile = self.ALTEZZA - self.MARGINE_BASSO - self.MARGINE_ALTO
        self.barre = []
        for i, (valore, riga) in enumerate(zip(self.valori, self.tabella.righe, strict=True)):
            altezza = float(valore / massimo) * utile if valore else 0.0
            self.barre.append(
                Barra(
                    x=round(10 + i * passo + passo * 0.15, 1),
                    y=round(self.MARGINE_ALTO + utile - altezza, 1),
                    larghezza=round(passo * 0.7, 1),
                    altezza=round(altezza, 1),
                    etichetta=riga[0],
                    testo=riga[1],
                    con_etichetta=i % ogni == 0,
                    con_testo=n <= 12 or valore is None,
                )
            )

    @property
    def base(self) -> int:
        return self.ALTEZZA - self.MARGINE_BASSO

    @property
    def y_etichette(self) -> int:
        return self.base + 18

    @property
    def fine_asse(self) -> int:
        return self.LARGHEZZA - 10


def _nomi_regioni() -> dict[str, str]:
    return dict(Regione.objects.values_list("codice", "nome"))


def _nomi_province() -> dict[str, tuple[str, str]]:
    return {s: (n, r) for s, n, r in Provincia.objects.values_list("sigla", "nome", "regione_id")}


def tabelle(istantanea) -> list[Tabella]:
    """The operators' tables of one snapshot."""
    dati, bando = istantanea.dati, istantanea.bando
    regioni, province = _nomi_regioni(), _nomi_province()
    ben = dati["beneficiari"]
    colonna_ben = _("Beneficiari")
    totale_ben = [_("Totale"), conteggio(ben["totale"])]

    sesso = {"M": _("Uomini"), "F": _("Donne"), "?": _("Non determinabile")}
    eta = {
        "0-17": _("0–17 anni"), "18-35": _("18–35 anni"), "36-50": _("36–50 anni"), "51-65": _("51–65 anni"),
        "66+": _("66 anni e oltre"), "?": _("Non determinabile"),
    }  # fmt: skip
    soglie = {
        "a": euro(bando.soglia_fascia_a),
        "b": euro(bando.soglia_fascia_b),
        "c": euro(bando.isee_massimo),
    }
    isee = {
        "A": _("A – ISEE inferiore a %(a)s") % soglie,
        "B": _("B – ISEE da %(a)s a %(b)s") % soglie,
        "C": _("C – ISEE oltre %(b)s fino a %(c)s") % soglie,
        "?": _("Non determinabile"),
    }  # fmt: skip

    def per(chiave, nomi, slug, titolo, colonna):
        righe = [[nomi.get(k, k), conteggio(n)] for k, n in ben[chiave].items()]
        return Tabella(slug, titolo, [colonna, colonna_ben], righe, totale_ben)

    tabella_province = Tabella(
        "province",
        _("Beneficiari per provincia di residenza"),
        [_("Provincia"), _("Regione"), colonna_ben],
        [
            [
                f"{province.get(s, (s, ''))[0]} ({s})",
                regioni.get(province.get(s, ("", ""))[1], ""),
                conteggio(n),
            ]
            for s, n in sorted(ben["per_provincia"].items(), key=lambda kv: province.get(kv[0], (kv[0],))[0])
        ],
        [_("Totale"), "", conteggio(ben["totale"])],
    )
    sedute = Tabella(
        "sedute",
        _("Sedute svolte e importo utilizzato"),
        [_("Sedute svolte"), _("Importo utilizzato")],
        [[conteggio(dati["sedute"]["svolte"], minimizza=False), euro(dati["sedute"]["importo"])]],
    )
    return [
        per("per_regione", regioni, "regioni", _("Beneficiari per regione"), _("Regione")),
        per("per_sesso", sesso, "sesso", _("Beneficiari per sesso"), _("Sesso")),
        per(
            "per_eta",
            eta,
            "eta",
            _("Beneficiari per fascia d'età (al primo giorno del mese)"),
            _("Fascia d'età"),
        ),
        per("per_isee", isee, "isee", _("Beneficiari per fascia ISEE"), _("Fascia ISEE")),
        tabella_province,
        sedute,
        pagamenti_e_fondi(dati, regioni),
    ]


def pagamenti_e_fondi(dati, regioni, *, pubblico: bool = False) -> Tabella:
    codici = sorted(set(dati["pagamenti"]) | set(dati["fondi"]))
    righe, fatture, pagato, trasferito = [], 0, Decimal(0), Decimal(0)
    for codice in codici:
        pag = dati["pagamenti"].get(codice, {"fatture": 0, "importo": "0.00"})
        fondi = dati["fondi"].get(codice, {"trasferito": "0.00"})
        fatture += pag["fatture"]
        pagato += Decimal(pag["importo"])
        trasferito += Decimal(fondi["trasferito"])
        righe.append(
            [
                regioni.get(codice, codice),
                conteggio(pag["fatture"], minimizza=pubblico),
                euro(pag["importo"]),
                euro(fondi["trasferito"]),
            ]
        )
    return Tabella(
        "pagamenti",
        _("Pagamenti e fondi trasferiti per regione"),
        [_("Regione"), _("Fatture pagate"), _("Importo pagato"), _("Fondi trasferiti dalla regione")],
        righe,
        [_("Totale"), conteggio(fatture, minimizza=pubblico), euro(pagato), euro(trasferito)],
    )


def _pagato(dati) -> Decimal:
    return sum((Decimal(p["importo"]) for p in dati["pagamenti"].values()), Decimal(0))


def andamento(istantanee) -> list[Grafico]:
    """The trend of a bando over its snapshots (oldest first): beneficiaries, sedute held, amount paid."""
    mesi = [f"{i.mese:%m/%Y}" for i in istantanee]
    colonna_mese = _("Mese")

    def grafico(slug, titolo, colonna, valori, testi):
        righe = [[m, t] for m, t in zip(mesi, testi, strict=True)]
        return Grafico(slug, titolo, Tabella(slug, titolo, [colonna_mese, colonna], righe), valori)

    beneficiari = [i.dati["beneficiari"]["totale"] for i in istantanee]
    barre_beneficiari = [Decimal(n) if not 0 < n < SOGLIA else None for n in beneficiari]
    sedute = [i.dati["sedute"]["svolte"] for i in istantanee]
    pagato = [_pagato(i.dati) for i in istantanee]
    return [
        grafico(
            "andamento-beneficiari", _("Beneficiari nel tempo"), _("Beneficiari"),
            barre_beneficiari, [conteggio(n) for n in beneficiari],
        ),
        grafico(
            "andamento-sedute", _("Sedute svolte nel tempo"), _("Sedute svolte"),
            [Decimal(n) for n in sedute], [conteggio(n, minimizza=False) for n in sedute],
        ),
        grafico(
            "andamento-pagato", _("Importo pagato nel tempo"), _("Importo pagato"),
            pagato, [euro(v) for v in pagato],
        ),
    ]  # fmt: skip


def pubblico(istantanea) -> tuple[Tabella, Tabella]:
    """The public page's two tables of a snapshot: national totals and totals per region; every count
    minimised."""
    dati = istantanea.dati
    regioni = _nomi_regioni()
    pagamenti = pagamenti_e_fondi(dati, regioni, pubblico=True)
    nazionale = Tabella(
        "nazionale",
        _("Totali nazionali"),
        [
            _("Beneficiari"),
            _("Sedute svolte"),
            _("Importo utilizzato"),
            _("Fatture pagate"),
            _("Importo pagato"),
        ],
        [
            [
                conteggio(dati["beneficiari"]["totale"]),
                conteggio(dati["sedute"]["svolte"]),
                euro(dati["sedute"]["importo"]),
                pagamenti.totale[1],
                pagamenti.totale[2],
            ]
        ],
    )
    ben = dati["beneficiari"]["per_regione"]
    codici = sorted(set(ben) | set(dati["pagamenti"]))
    per_regione = Tabella(
        "regioni",
        _("Totali per regione"),
        [_("Regione"), _("Beneficiari"), _("Fatture pagate"), _("Importo pagato")],
        [
            [
                regioni.get(c, c),
                conteggio(ben.get(c, 0)),
                conteggio(dati["pagamenti"].get(c, {}).get("fatture", 0)),
                euro(dati["pagamenti"].get(c, {}).get("importo", "0.00")),
            ]
            for c in codici
        ],
    )
    return nazionale, per_regione
