from apps.core.validators import is_valid_codice_fiscale
from tests.factories import make_cf


def test_factory_codici_fiscali_are_valid_and_distinct():
    cfs = {make_cf(n) for n in range(1, 2000)}
    assert len(cfs) == 1999
    assert all(is_valid_codice_fiscale(cf) for cf in cfs)
