"""Support phase of a catalogue cycle on a day, and the text clean-up that lets installed software match cycles.

Pure Python (no Django). The phases, in the order a release goes through them:

* ``supported``: active (mainstream) support, or security support for products without a separate active phase;
* ``security_only``: past active support, security fixes only (Windows Server 2019, RHEL 8, Ubuntu 22.04 today);
* ``extended_only``: past security support, only paid extended support remains (ESU, ESM, ELS, LTSS, Debian LTS);
* ``unsupported``: nothing remains;
* ``unknown``: the release matched no catalogue cycle.

``PhaseState.ends`` is the last day of the current phase (None when not published) and ``next`` the phase after it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .catalogue import CatalogueCycle

SUPPORTED = "supported"
SECURITY_ONLY = "security_only"
EXTENDED_ONLY = "extended_only"
UNSUPPORTED = "unsupported"
UNKNOWN = "unknown"
STATUSES = (SUPPORTED, SECURITY_ONLY, EXTENDED_ONLY, UNSUPPORTED, UNKNOWN)
# Worst first: a list sorted by this puts what needs action at the top.
SEVERITY_RANK = {UNSUPPORTED: 0, EXTENDED_ONLY: 1, SECURITY_ONLY: 2, UNKNOWN: 3, SUPPORTED: 4}


@dataclass(frozen=True)
class PhaseState:
    status: str
    ends: dt.date | None = None
    next: str = ""


UNKNOWN_STATE = PhaseState(UNKNOWN)


def _day(value: dt.date | bool | None) -> dt.date | None:
    return value if isinstance(value, dt.date) and not isinstance(value, bool) else None


def _ended(value: dt.date | bool | None, as_of: dt.date) -> bool:
    """True when the phase is over on as_of (True = ended on an unknown date; False/None = not ended)."""
    if value is True:
        return True
    day = _day(value)
    return day is not None and as_of > day


def _after_security(cycle: CatalogueCycle) -> str:
    """The phase that follows security support: paid extended support when the vendor sells it, else nothing."""
    eoes, eos = cycle.eoes, cycle.eos
    if eoes is None or eoes is True:
        return UNSUPPORTED
    if eoes is False:
        return EXTENDED_ONLY
    eos_day = _day(eos)
    return EXTENDED_ONLY if eos_day is None or eoes > eos_day else UNSUPPORTED


def support_phase(cycle: CatalogueCycle | None, as_of: dt.date) -> PhaseState:
    """The phase a release is in on as_of (dates inclusive, as endoflife.date publishes them)."""
    if cycle is None:
        return UNKNOWN_STATE
    eoas, eos, eoes = cycle.eoas, cycle.eos, cycle.eoes
    if not _ended(eos, as_of):
        after = _after_security(cycle)
        active_day = _day(eoas)
        eos_day = _day(eos)
        # A separate active phase only when it ends before security support does.
        has_active = eoas is not None and eoas is not True and (active_day is None or eos_day is None
                                                               or active_day < eos_day)
        if eoas is True or (active_day is not None and as_of > active_day):
            return PhaseState(SECURITY_ONLY, eos_day, after)
        if has_active:
            return PhaseState(SUPPORTED, active_day, SECURITY_ONLY)
        return PhaseState(SUPPORTED, eos_day, after)
    if eoes is not None and not _ended(eoes, as_of) and _after_security(cycle) == EXTENDED_ONLY:
        return PhaseState(EXTENDED_ONLY, _day(eoes), UNSUPPORTED)
    return PhaseState(UNSUPPORTED)


def explicit_phase(support_end: dt.date | None, as_of: dt.date) -> PhaseState:
    """A phase from one known support end date (an application's contract with its vendor)."""
    if support_end is None:
        return UNKNOWN_STATE
    if as_of > support_end:
        return PhaseState(UNSUPPORTED)
    return PhaseState(SUPPORTED, support_end, UNSUPPORTED)


# --- installed software text ---------------------------------------------------------------------------------

# Package names glue the product to its version: php8.1-fpm, libssl1.1, python3.11, tomcat9, openjdk-17-jre.
_GLUED_RE = re.compile(r"\b([a-z]{3,})(\d+(?:\.\d+)*)(?=$|[\s\-_])", re.IGNORECASE)
# Architecture and packaging noise that carries no release meaning.
_NOISE_RE = re.compile(r"\((?:x64|x86|64-bit|32-bit|amd64|arm64)\)|\b(?:x86_64|amd64|aarch64|noarch|i686)\b",
                       re.IGNORECASE)
# Debian/RPM epochs ("1:10.11.6") would otherwise be read as version 1.
_EPOCH_RE = re.compile(r"^\d+:(?=\d)")


def software_text(product: str | None, version: str | None) -> tuple[str, str]:
    """(product, version) cleaned for matching: 'php8.1-fpm' -> 'php 8.1-fpm', '1:10.11.6-0' -> '10.11.6-0'."""
    name = _NOISE_RE.sub(" ", product or "")
    name = _GLUED_RE.sub(r"\1 \2", name)
    text = _EPOCH_RE.sub("", (version or "").strip())
    text = _NOISE_RE.sub(" ", text)
    return " ".join(name.split()), " ".join(text.split())
