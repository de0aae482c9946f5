"""Rimborsi in the operators' portal: transfers, funds per region, batches and their payments."""

from . import admin_pagamenti  # noqa: F401  (registers the payment views and actions)
