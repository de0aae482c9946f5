"""Production-like settings for `bench/sedute.py`: DEBUG off, collected static files, and one extra URL
(`/bench/nudo/`, the bare view) on top of the portal's own. Never used outside the bench."""

import os

# Forced, not defaulted: a developer's DEBUG=True in the environment must not leak into the figures.
os.environ["DEBUG"] = "False"
os.environ["DEV_LOGIN_ENABLED"] = "False"
os.environ["SECURE_SSL_REDIRECT"] = "False"  # plain HTTP on 127.0.0.1; production terminates TLS in front
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789-abcdefghijklmnop")

from bonuspsi.settings import *  # noqa: E402, F403
from bonuspsi.settings import BASE_DIR  # noqa: E402

ROOT_URLCONF = "bench.sedute_urls"
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
