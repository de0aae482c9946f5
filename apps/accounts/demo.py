"""The demo identities that `seed_demo` creates and the development login page offers.

Codici fiscali are valid but invented (built with a correct check character)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoIdentity:
    codice_fiscale: str
    nome: str
    cognome: str
    descrizione: str
    operatore: bool = False
    professionista: bool = False  # a psychotherapist on the demo CNOP list (fixtures/cnop_demo.csv)

    @property
    def ruolo(self) -> str:
        return "operatore" if self.operatore else "psicoterapeuta" if self.professionista else "cittadino"


DEMO_IDENTITIES = [
    DemoIdentity(
        "RSSMRA85M01H501Q",
        "Mario",
        "Rossi",
        "Cittadino senza domanda: può presentarla, anche per la figlia Giulia",
    ),
    DemoIdentity("BNCLRA90A41F205I", "Laura", "Bianchi", "Domanda in istruttoria (bando demo aperto)"),
    DemoIdentity("VRDGPP70C12L219U", "Giuseppe", "Verdi", "Domanda accolta con codice univoco"),
    DemoIdentity("NREFNC88E52A944X", "Francesca", "Neri", "Domanda parzialmente accolta"),
    DemoIdentity("GLLLCU75T10D612Y", "Luca", "Gialli", "Domanda non accolta (graduatoria pubblicata)"),
    DemoIdentity("BRNNNA80A41H501K", "Anna", "Bruni", "Operatrice INPS (admin)", operatore=True),
    DemoIdentity(
        "NREPLA80A41H501F",
        "Paola",
        "Neri",
        "Psicoterapeuta aderente, primo accesso senza IBAN: Cambia profilo",
        professionista=True,
    ),
    DemoIdentity(
        "GLLMRC78B15F205K",
        "Marco",
        "Galli",
        "Psicoterapeuta aderente con IBAN: Cambia profilo, poi prenota sul codice di Giuseppe Verdi; "
        "Le mie fatture: una rimborsata, una sospesa, una da pagare",
        professionista=True,
    ),
]
