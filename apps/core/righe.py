"""Model instances read with plain SQL, for the few reads on a hot path where the ORM's query building
costs more than the database's answer: the API token's three-table read cost ~1.1 ms of Python on every
call against ~0.15 ms of round trip (bench/api.py, bench/README.md).

The instances are the ones the ORM builds: `Model.from_db` with every concrete column, each value through
the converters the ORM's compiler applies to a column (JSON decoding; SQLite's dates, decimals and
booleans), so the same SQL and code serve PostgreSQL and SQLite (`make run`). Only plain column reads
belong here: no expressions, no annotations."""

import functools

from django.db import DEFAULT_DB_ALIAS, connection, connections


def colonne(modello, alias: str = "") -> str:
    """`alias."col1", alias."col2", …` (no alias: `"col1", …`): every concrete column of `modello`, in field
    order."""
    q, prefisso = connection.ops.quote_name, f"{alias}." if alias else ""
    return ", ".join(f"{prefisso}{q(f.column)}" for f in modello._meta.concrete_fields)


def tabella(modello) -> str:
    return connection.ops.quote_name(modello._meta.db_table)


@functools.lru_cache(maxsize=256)
def _lettura(modello, wrapper):
    """Per model and connection (one per thread): the attnames, the primary key's position, and
    (position, column, converters) for each column that has converters. Computed once: looking them up
    on every row cost more than the query."""
    campi = modello._meta.concrete_fields
    convertitori = []
    for i, campo in enumerate(campi):
        colonna = campo.get_col(modello._meta.db_table)
        lista = wrapper.ops.get_db_converters(colonna) + colonna.get_db_converters(wrapper)
        if lista:
            convertitori.append((i, colonna, tuple(lista)))
    chiave = [f.primary_key for f in campi].index(True)
    return [f.attname for f in campi], chiave, tuple(convertitori)


def istanza(modello, valori, wrapper=None):
    """The instance of `modello` the ORM would build from `valori` (as many as colonne() lists), or None
    when the row is absent (a LEFT JOIN that matched nothing: its primary key is NULL)."""
    wrapper = wrapper or connections[DEFAULT_DB_ALIAS]
    nomi, chiave, convertitori = _lettura(modello, wrapper)
    if len(valori) != len(nomi):
        raise ValueError(f"{modello.__name__}: {len(valori)} valori per {len(nomi)} colonne")
    if valori[chiave] is None:
        return None
    valori = list(valori)
    for i, colonna, lista in convertitori:
        for converti in lista:
            valori[i] = converti(valori[i], colonna, wrapper)
    return modello.from_db(wrapper.alias, nomi, valori)


def dividi(modelli: tuple, riga) -> tuple[tuple, tuple]:
    """Split a row that starts with colonne() of each model in `modelli`, in that order: (one instance, or
    None, per model; the values after them)."""
    istanze, inizio = [], 0
    wrapper = connections[DEFAULT_DB_ALIAS]
    for modello in modelli:
        fine = inizio + len(modello._meta.concrete_fields)
        if fine > len(riga):
            raise ValueError(f"{len(riga)} colonne lette, almeno {fine} attese")
        istanze.append(istanza(modello, riga[inizio:fine], wrapper))
        inizio = fine
    return tuple(istanze), tuple(riga[inizio:])


def leggi(modelli: tuple, sql: str, parametri: list) -> tuple | None:
    """Run `sql` (a SELECT of colonne() of each model in `modelli`, in that order, and nothing else) and
    build the first row's instances: a tuple with one instance (or None) per model, or None without a row."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, parametri)
        riga = cursor.fetchone()
    if riga is None:
        return None
    istanze, resto = dividi(modelli, riga)
    if resto:
        raise ValueError(f"{len(riga)} colonne lette, {len(riga) - len(resto)} attese")
    return istanze
