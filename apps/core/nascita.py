"""The birth date and the age of a person from their codice fiscale.

python-stdnum's `get_birth_date` decodes the date characters, omocodic ones included (the letters
LMNPQRSTUV that replace the digits 0–9 when two people would get the same code); only `get_gender`
fails on those. The code holds two digits of the year: the century is the latest one that does not
put the birth after the reference day (the submission day), so a code ending in "15" read in 2026 is
2015, and one whose date would fall later in the current year than the reference day is a century
earlier. A person over 100 whose code looks like a child's cannot be told apart from the code alone.
"""

import datetime as dt

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale

MAGGIORE_ETA = 18


def data_di_nascita(cf: str, riferimento: dt.date) -> dt.date | None:
    """The birth date in the latest century not after `riferimento`; None if the code has no valid date."""
    for minimo in (riferimento.year - 99, riferimento.year - 199):
        try:
            nato = codicefiscale.get_birth_date(cf, minyear=minimo)
        except StdnumError:
            # 29 February of a year that is a leap year in one century and not in the other: try it.
            continue
        if nato <= riferimento:
            return nato
    return None


def eta(cf: str, giorno: dt.date) -> int | None:
    """Completed years on `giorno` (None if the code has no valid date). Someone born on 29 February
    completes a year on 1 March in common years."""
    nato = data_di_nascita(cf, giorno)
    if nato is None:
        return None
    anni = giorno.year - nato.year
    if (giorno.month, giorno.day) < (nato.month, nato.day):
        anni -= 1
    return anni


def minorenne(cf: str, giorno: dt.date) -> bool:
    """Under 18 on `giorno`: on the 18th birthday one is no longer a minor. A code without a valid
    birth date is not a minor's (the safe answer where being a minor grants something)."""
    anni = eta(cf, giorno)
    return anni is not None and anni < MAGGIORE_ETA


# Omocodic codes replace digits with these letters (0–9), in the date and the place positions.
_OMOCODIA = str.maketrans("LMNPQRSTUV", "0123456789")


def sesso(cf: str) -> str | None:
    """ "F" or "M" from the day characters (positions 10–11: day + 40 for women). stdnum's `get_gender`
    fails on omocodic codes, so the two characters are decoded here, omocodic letters included.
    None for a code that is not a person's 16-character one."""
    cf = (cf or "").strip().upper()
    if len(cf) != 16:
        return None
    giorno = cf[9:11].translate(_OMOCODIA)
    if not giorno.isdigit():
        return None
    numero = int(giorno)
    if 1 <= numero <= 31:
        return "M"
    if 41 <= numero <= 71:
        return "F"
    return None


# Age bands of the monthly monitoring (circ. 124/2025 §8): (label, lowest age, highest age or None).
FASCE_ETA = [("0-17", 0, 17), ("18-35", 18, 35), ("36-50", 36, 50), ("51-65", 51, 65), ("66+", 66, None)]


def fascia_eta(cf: str, giorno: dt.date) -> str | None:
    """The monitoring's age band on `giorno` (the first day of the month monitored); None without a date."""
    anni = eta(cf, giorno)
    if anni is None:
        return None
    for etichetta, minimo, massimo in FASCE_ETA:
        if anni >= minimo and (massimo is None or anni <= massimo):
            return etichetta
    return None
