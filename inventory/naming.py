"""How makers, platforms and models are recognised by name: one rule for the importer, discovery and people. Pure."""

from __future__ import annotations

from django.utils.text import slugify


def reference_keys(name: str) -> tuple[str, str]:
    """How a maker, platform or site is recognised by name: its name in any case, or its slug."""
    return name.lower(), slugify(name)


def model_name_variants(manufacturer_name: str, model: str) -> list[str]:
    """"HP EliteBook 840 G5" made by "HP" is the model "EliteBook 840 G5": the given name, then without the maker."""
    if manufacturer_name and model.lower().startswith(manufacturer_name.lower() + " "):
        return [model, model[len(manufacturer_name) + 1:].strip()]
    return [model]
