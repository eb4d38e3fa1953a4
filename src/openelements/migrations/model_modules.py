"""Every module that defines tables on `kit.db.Base.metadata`. Each domain adds its line."""

from __future__ import annotations

import importlib

MODEL_MODULES: tuple[str, ...] = (
    # "openelements.<domain>.models",
    "openelements.platform.models",
    "openelements.jobs.models",
    "openelements.instances.models",
)


def import_model_modules() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
