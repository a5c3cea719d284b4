"""Shared fixtures: the installed registry and hypothesis profiles.

Profiles: ``ci`` (CI and the default: bounded, no deadline), ``thorough``
(local: ``HYPOTHESIS_PROFILE=thorough python3 dev.py test``).
"""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

import govrules

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The command keeps parsed pack files in $XDG_CACHE_HOME/govrules: the tests
# (and the commands they run) use a cache of their own, never the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="govrules-tests-cache-")


@pytest.fixture(scope="session")
def registry() -> govrules.Registry:
    return govrules.Registry.discover()


@pytest.fixture(scope="session")
def datonghu(registry: govrules.Registry) -> govrules.Pack:
    return registry.get("datonghu_2023")
