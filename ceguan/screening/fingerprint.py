"""The rule-set fingerprint: what a facility's alarms were judged under.

A screening cursor stores it; when it changes (a detector's version, the rule book's limit
files, the facility's permit limits) the runner re-screens the facility in full
(:mod:`ceguan.screening.runner`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from ceguan.screening import REGISTRY
from ceguan.screening.limits_for import LimitChooser
from ceguan.standards.rulebook import PACKAGE_DIR

#: Rule-book folders whose content is part of the rule-set fingerprint.
FINGERPRINTED = ("limits", "oxygen", "applicability", "flags", "validity", "screening")


@lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """SHA-256 over every detector version and the rule book's limit-related files."""
    digest = hashlib.sha256()
    for rule_id in sorted(REGISTRY.detectors):
        for spec in REGISTRY.versions(rule_id):
            digest.update(f"{rule_id}:{spec.version}:{spec.effective_from};".encode())
    for folder in FINGERPRINTED:
        for file in sorted((PACKAGE_DIR / folder).rglob("*.yaml")):
            digest.update(str(file.relative_to(PACKAGE_DIR)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def facility_fingerprint(chooser: LimitChooser) -> str:
    """The rule-set fingerprint of one facility: rules, rule book and its permit limits."""
    text = f"{rules_fingerprint()}|{chooser.industry}|{chooser.medium}|{chooser.fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()
