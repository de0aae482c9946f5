"""Production-like settings for `bench/domande.py`: those of bench/sedute_settings.py (DEBUG off,
collected static files) with the bare three-request flow's URLs (bench/domande_urls.py). Bench only."""

from bench.sedute_settings import *  # noqa: F403

ROOT_URLCONF = "bench.domande_urls"
