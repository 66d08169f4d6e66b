"""Classification rules people teach Estate for kit its built-in rules do not know.

Imported at the bottom of discovery/models.py so Django sees the model in the discovery app. Every enabled rule joins
the YAML rule files (discovery.classify.RULE_SOURCES) in every later sweep, and can be exported and imported as the
same YAML, so councils can share them.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save

from discovery import classify
from discovery.facts import KINDS
from estate.models import ChangeLoggedModel

_OID = re.compile(r"^\d+(\.\d+){3,127}$")
_GROUP = re.compile(r"\(\?P<(\w+)>")
_TEMPLATE_NAME = re.compile(r"\{(\w+)\}")
PRIORITY = 2  # above the built-in rules (0 and below): a person's rule is the strongest classification rule
STRENGTH = 65  # inventory.provenance: a rule a person taught Estate
OUTPUTS = ("manufacturer", "kind", "platform", "model", "version")


class ClassificationRule(ChangeLoggedModel):
    """A rule a person taught Estate: devices whose sysObjectID starts with a prefix and/or whose sysDescr matches a
    pattern are of this maker, kind, platform, model and version."""

    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    sys_object_id = models.CharField(max_length=255, blank=True, verbose_name="sysObjectID prefix",
                                     help_text="e.g. 1.3.6.1.4.1.6666 (matches it and everything below)")
    sys_descr = models.CharField(max_length=500, blank=True, verbose_name="sysDescr pattern",
                                 help_text="A regular expression, case-insensitive, e.g. "
                                           r"'^Acme VoIP (?P<model>\S+) v(?P<version>[\d.]+)'")
    manufacturer = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, blank=True, choices=[(k, k.replace("_", " ")) for k in KINDS])
    platform = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True, verbose_name="model",
                             help_text="Text, or {model} for a group of the pattern")
    version = models.CharField(max_length=100, blank=True, help_text="Text, or {version} for a group of the pattern")
    description = models.CharField(max_length=200, blank=True, help_text="The public fact the rule rests on")

    url_name = "discovery:classificationrule"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="discovery_classificationrule_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        oid = (self.sys_object_id or "").strip().strip(".")
        self.sys_object_id = oid
        if oid and not _OID.match(oid):
            errors["sys_object_id"] = "Give a dotted OID such as 1.3.6.1.4.1.6666."
        groups: set[str] = set()
        if self.sys_descr:
            try:
                re.compile(self.sys_descr)
            except re.error as exc:
                errors["sys_descr"] = f"Not a regular expression: {exc}."
            groups = set(_GROUP.findall(self.sys_descr))
        if not oid and not self.sys_descr:
            errors["sys_object_id"] = "Give a sysObjectID prefix, a sysDescr pattern or both."
        if not any(getattr(self, name) for name in OUTPUTS):
            errors["kind"] = "Say what matching devices are: at least one of maker, kind, platform, model, version."
        for name in ("model", "version", "manufacturer", "platform"):
            unknown = set(_TEMPLATE_NAME.findall(getattr(self, name) or "")) - groups
            if unknown:
                errors[name] = f"{{{sorted(unknown)[0]}}} is not a named group of the sysDescr pattern."
        if errors:
            raise ValidationError(errors)
        try:
            classify.load_entries(rules_document([self]), "check")
        except classify.RuleError as exc:
            raise ValidationError({"sys_descr": str(exc)}) from exc

    def as_entry(self) -> dict[str, Any]:
        """The rule as a YAML rule entry (discovery/classify.py), the form export and import use."""
        match: dict[str, Any] = {}
        if self.sys_object_id:
            match["sys_object_id"] = self.sys_object_id
        if self.sys_descr:
            match["sys_descr"] = self.sys_descr
        sets = {name: getattr(self, name) for name in OUTPUTS if getattr(self, name)}
        return {"name": self.name, "description": self.description, "priority": PRIORITY, "match": match,
                "set": sets, "evidence": {"source": "rule", "strength": STRENGTH, "detail": f"taught rule {self.name}"}}


def rules_document(rules: Any) -> dict[str, Any]:
    return {"label": "taught", "rules": [rule.as_entry() for rule in rules]}


def _taught_rules() -> tuple[Any, dict[str, Any]]:
    """The enabled taught rules, and a version that changes whenever one is saved or deleted."""
    rows = list(ClassificationRule.objects.filter(enabled=True).order_by("pk"))
    version = (len(rows), max((r.last_updated for r in rows), default=None), tuple(r.pk for r in rows))
    return version, rules_document(rows)


if _taught_rules not in classify.RULE_SOURCES:
    classify.RULE_SOURCES.append(_taught_rules)


def _changed(**_kwargs: Any) -> None:
    classify.taught_rules_changed()


post_save.connect(_changed, sender=ClassificationRule, dispatch_uid="discovery_taught_rule_saved")
post_delete.connect(_changed, sender=ClassificationRule, dispatch_uid="discovery_taught_rule_deleted")
