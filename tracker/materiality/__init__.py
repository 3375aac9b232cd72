"""Materiality: does a policy change need a notification? (see docs/materiality.md)

Pure functions over text: no network, database or clock.

    assess_text(old, new, *, section="", rules=None) -> Assessment
    assess_pairs(pairs, rules=None) -> (Assessment, [Assessment, ...])
    assess_documents(old_doc, new_doc, rules=None) -> Assessment
    load_rules(extra=None) -> Rules

An Assessment has ``level`` ("none" | "minor" | "material"), ``categories``, ``reasons`` (each
quoting the old and new words), ``favourable`` and ``similarity``; ``to_json()`` gives the
``materiality`` object of the JSON contract.
"""

from .classify import align_sections, assess_documents, assess_pairs, assess_text
from .rules import Rules, load_rules
from .verdict import LEVELS, Assessment, Reason

__all__ = [
           "LEVELS",
           "Assessment",
           "Reason",
           "Rules",
           "align_sections",
           "assess_documents",
           "assess_pairs",
           "assess_text",
           "load_rules",
]
