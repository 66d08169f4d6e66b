"""Lifecycle: the catalogue of product support dates, vendor hardware notices, policies and the findings they raise.

The catalogue rows mirror the pure dataclasses of ``inventory.lifecycle`` (``CatalogueProduct``/``CatalogueCycle``/
``HardwareNotice``) so matching and forecasting run the same code whether the facts were shipped, imported from
endoflife.date or typed by a person. A phase end is a date (the last supported day, inclusive), or "ended, date
unknown" (the ``*_ended`` flag), or neither (not ended / no date published).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from estate.models import ChangeLoggedModel
from inventory.choices import (
    DeviceKindChoices,
    FindingReasonChoices,
    FindingSeverityChoices,
    LifecycleConfidenceChoices,
    LifecycleKindChoices,
    LifecycleOriginChoices,
    LifecyclePolicyRuleChoices,
)
from inventory.lifecycle.catalogue import CatalogueCycle, CatalogueProduct
from inventory.lifecycle.catalogue import HardwareNotice as NoticeData


def _validate_text_list(value: Any, field: str) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError({field: "A list of non-empty text values."})


def _phase(date: dt.date | None, ended: bool, *, none_when_open: bool = False) -> dt.date | bool | None:
    if date is not None:
        return date
    if ended:
        return True
    return None if none_when_open else False


def _check_phase(errors: dict[str, str], date_field: str, date: dt.date | None, ended: bool) -> None:
    if date is not None and ended:
        errors[date_field] = "Give the date, or tick 'ended, date unknown', not both."


class LifecycleProduct(ChangeLoggedModel):
    """A product whose support phases are tracked: an OS (Windows Server), network OS (IOS XE), PBX, hypervisor."""

    slug = models.SlugField(max_length=100, help_text="endoflife.date-style id, e.g. windows-server")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=LifecycleKindChoices, default=LifecycleKindChoices.OS)
    vendor = models.CharField(max_length=100, blank=True)
    platform_names = models.JSONField(
        default=list, blank=True,
        help_text="Names a device's platform or version text may use for this product, e.g. [\"Windows Server\"]",
    )
    related = models.JSONField(default=list, blank=True,
                               help_text="Slugs of products it may report itself as (tried when no cycle matches)")
    source = models.URLField(max_length=500, verbose_name="source URL")
    origin = models.CharField(max_length=10, choices=LifecycleOriginChoices, default=LifecycleOriginChoices.MANUAL)
    checked = models.DateField(null=True, blank=True, help_text="When the facts were last checked against the source")
    notes = models.TextField(blank=True)

    url_name = "inventory:lifecycleproduct"

    class Meta:
        ordering = ["name"]
        verbose_name = "lifecycle product"
        constraints = [models.UniqueConstraint(fields=["slug"], name="inventory_lifecycleproduct_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _validate_text_list(self.platform_names, "platform_names")
        _validate_text_list(self.related, "related")

    def to_catalogue(self, cycles: tuple[CatalogueCycle, ...]) -> CatalogueProduct:
        return CatalogueProduct(
            product=self.slug, name=self.name, kind=self.kind, vendor=self.vendor, source=self.source,
            platform_names=tuple(self.platform_names or ()) or (self.name,), cycles=cycles,
            related=tuple(self.related or ()), checked=self.checked, notes=self.notes,
        )


class LifecycleCycle(ChangeLoggedModel):
    """One release line of a product with its support phase ends, e.g. Windows Server 2012 R2 or Ubuntu 22.04 LTS."""

    product = models.ForeignKey(LifecycleProduct, on_delete=models.CASCADE, related_name="cycles")
    cycle = models.CharField(max_length=100, help_text="Release id, e.g. 2012-r2 or 22.04")
    label = models.CharField(max_length=200, blank=True)
    release_date = models.DateField(null=True, blank=True)
    end_of_active_support = models.DateField(null=True, blank=True,
                                             help_text="Last day of mainstream/active support")
    active_support_ended = models.BooleanField(default=False, verbose_name="active support ended, date unknown")
    end_of_security_support = models.DateField(null=True, blank=True,
                                               help_text="Last day of security fixes (end of life)")
    security_support_ended = models.BooleanField(default=False, verbose_name="security support ended, date unknown")
    extended_support = models.BooleanField(default=False,
                                           help_text="The vendor sells extended support (ESU, ELS, LTSS) after it")
    end_of_extended_support = models.DateField(null=True, blank=True, help_text="Last day of paid extended support")
    extended_support_ended = models.BooleanField(default=False, verbose_name="extended support ended, date unknown")
    lts = models.BooleanField(default=False, verbose_name="LTS")
    latest = models.CharField(max_length=100, blank=True, help_text="Latest release in this cycle")
    codename = models.CharField(max_length=100, blank=True)
    source = models.URLField(max_length=500, blank=True, verbose_name="source URL",
                             help_text="Where the dates come from (the product's source when blank)")
    match = models.JSONField(default=list, blank=True, verbose_name="match rules",
                             help_text='Rules for version text, e.g. ["2012 r2"] or ["re:^15\\\\.2\\\\("] (see docs)')
    confidence = models.CharField(max_length=10, choices=LifecycleConfidenceChoices,
                                  default=LifecycleConfidenceChoices.HIGH)
    origin = models.CharField(max_length=10, choices=LifecycleOriginChoices, default=LifecycleOriginChoices.MANUAL)
    checked = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    url_name = "inventory:lifecyclecycle"

    class Meta:
        ordering = ["product__name", "-release_date", "cycle"]
        verbose_name = "lifecycle cycle"
        constraints = [
            models.UniqueConstraint(fields=["product", "cycle"], name="inventory_lifecyclecycle_unique_cycle"),
        ]
        indexes = [models.Index(fields=["end_of_security_support"], name="inventory_cycle_eos")]

    def __str__(self) -> str:
        if self.label:
            return self.label
        return f"{self.product} {self.cycle}" if self.product_id else self.cycle

    @property
    def source_url(self) -> str:
        return self.source or (self.product.source if self.product_id else "")

    def clean(self) -> None:
        from inventory.lifecycle.versions import parse_rule

        errors: dict[str, str] = {}
        _check_phase(errors, "end_of_active_support", self.end_of_active_support, self.active_support_ended)
        _check_phase(errors, "end_of_security_support", self.end_of_security_support, self.security_support_ended)
        _check_phase(errors, "end_of_extended_support", self.end_of_extended_support, self.extended_support_ended)
        if (self.end_of_extended_support or self.extended_support_ended) and not self.extended_support:
            errors["extended_support"] = "Tick this when giving an extended support end."
        order = [("release_date", self.release_date), ("end_of_active_support", self.end_of_active_support),
                 ("end_of_security_support", self.end_of_security_support),
                 ("end_of_extended_support", self.end_of_extended_support)]
        dated = [(name, value) for name, value in order if value is not None]
        for (first, a), (second, b) in zip(dated, dated[1:], strict=False):
            if a > b:
                errors.setdefault(second, f"Cannot be before the {first.replace('_', ' ')} ({a:%d/%m/%Y}).")
        try:
            _validate_text_list(self.match, "match")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        else:
            for rule in self.match:
                try:
                    parse_rule(rule)
                except ValueError as exc:
                    errors["match"] = f"Rule {rule!r}: {exc}."
                    break
        if errors:
            raise ValidationError(errors)

    def to_catalogue(self, product_source: str = "") -> CatalogueCycle:
        return CatalogueCycle(
            cycle=self.cycle, label=self.label or self.cycle,
            eos=_phase(self.end_of_security_support, self.security_support_ended),  # type: ignore[arg-type]
            source=self.source or product_source, match=tuple(self.match or ()), release_date=self.release_date,
            eoas=_phase(self.end_of_active_support, self.active_support_ended, none_when_open=True),
            eoes=_phase(self.end_of_extended_support, self.extended_support_ended) if self.extended_support else None,
            lts=self.lts, latest=self.latest or None, codename=self.codename or None, confidence=self.confidence,
            checked=self.checked, notes=self.notes,
        )


class HardwareNotice(ChangeLoggedModel):
    """A vendor's end-of-sale / end-of-support notice for a hardware model or part-number family."""

    manufacturer = models.CharField(max_length=100)
    model = models.CharField(max_length=200)
    part_numbers = models.JSONField(default=list, blank=True)
    match = models.JSONField(
        default=list, blank=True,
        help_text="Model/part-number texts (punctuation ignored) or re:<regex>; the model when empty")
    kind = models.CharField(max_length=20, choices=DeviceKindChoices, blank=True)
    end_of_sale = models.DateField(null=True, blank=True)
    end_of_sale_passed = models.BooleanField(default=False, verbose_name="end of sale passed, date unknown")
    end_of_support = models.DateField(null=True, blank=True, help_text="Last date of support (LDoS / EOSL)")
    end_of_support_passed = models.BooleanField(default=False, verbose_name="end of support passed, date unknown")
    replacement = models.CharField(max_length=200, blank=True)
    source = models.URLField(max_length=500, verbose_name="source URL")
    confidence = models.CharField(max_length=10, choices=LifecycleConfidenceChoices,
                                  default=LifecycleConfidenceChoices.HIGH)
    origin = models.CharField(max_length=10, choices=LifecycleOriginChoices, default=LifecycleOriginChoices.MANUAL)
    notes = models.TextField(blank=True)

    url_name = "inventory:hardwarenotice"

    class Meta:
        ordering = ["manufacturer", "model"]
        verbose_name = "hardware notice"
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "model"], name="inventory_hardwarenotice_unique_model"),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _check_phase(errors, "end_of_sale", self.end_of_sale, self.end_of_sale_passed)
        _check_phase(errors, "end_of_support", self.end_of_support, self.end_of_support_passed)
        if not (self.end_of_sale or self.end_of_sale_passed or self.end_of_support or self.end_of_support_passed):
            errors["end_of_support"] = "Give an end of sale or an end of support."
        if self.end_of_sale and self.end_of_support and self.end_of_support < self.end_of_sale:
            errors["end_of_support"] = "End of support cannot be before end of sale."
        for name in ("part_numbers", "match"):
            try:
                _validate_text_list(getattr(self, name), name)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if errors:
            raise ValidationError(errors)

    def to_catalogue(self) -> NoticeData:
        return NoticeData(
            manufacturer=self.manufacturer, model=self.model, source=self.source,
            end_of_sale=_phase(self.end_of_sale, self.end_of_sale_passed, none_when_open=True),
            end_of_support=_phase(self.end_of_support, self.end_of_support_passed, none_when_open=True),
            part_numbers=tuple(self.part_numbers or ()), match=tuple(self.match or ()), kind=self.kind,
            replacement=self.replacement, confidence=self.confidence, notes=self.notes,
        )


class VersionMapping(ChangeLoggedModel):
    """A person's answer for a platform + version text the matcher could not place: "this is that cycle".

    Consulted before the automatic matching, for every device with that exact pair (case and outer spaces ignored).
    """

    platform = models.ForeignKey("inventory.Platform", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="version_mappings")
    software = models.CharField(max_length=255, blank=True, verbose_name="software product",
                                help_text="For installed software: the product name exactly as recorded (no platform)")
    version = models.CharField(max_length=255, blank=True, verbose_name="version text",
                               help_text="The device's platform version (or the software's version) as recorded")
    cycle = models.ForeignKey(LifecycleCycle, on_delete=models.CASCADE, related_name="mappings")
    notes = models.CharField(max_length=200, blank=True)

    url_name = "inventory:versionmapping"

    class Meta:
        ordering = ["platform__name", "version"]
        verbose_name = "version mapping"
        constraints = [
            models.UniqueConstraint(fields=["platform", "version"], condition=Q(platform__isnull=False),
                                    name="inventory_versionmapping_unique_pair"),
            models.UniqueConstraint(fields=["version"], condition=Q(platform__isnull=True, software=""),
                                    name="inventory_versionmapping_unique_version"),
            models.UniqueConstraint(fields=["software", "version"], condition=~Q(software=""),
                                    name="inventory_versionmapping_unique_software"),
        ]

    def __str__(self) -> str:
        if self.software:
            return f"{self.software} {self.version}".strip()
        platform = str(self.platform) if self.platform_id else "(no platform)"
        return f"{platform} {self.version}".strip()

    def clean(self) -> None:
        self.version = (self.version or "").strip()
        self.software = (self.software or "").strip()
        if self.software and self.platform_id:
            raise ValidationError({"software": "A mapping is for a platform or for installed software, not both."})
        if not self.platform_id and not self.version and not self.software:
            raise ValidationError({"version": "Give a platform, a version text, or both."})


class LifecyclePolicy(ChangeLoggedModel):
    """A council's own rule: replace desktops after 5 years, warn 90 days before warranty ends, IOS at least 15.2(7)E6.

    A policy with a device kind overrides the kind-less one of the same rule for that kind.
    """

    name = models.CharField(max_length=100)
    rule = models.CharField(max_length=20, choices=LifecyclePolicyRuleChoices)
    device_kind = models.CharField(max_length=20, choices=DeviceKindChoices, blank=True,
                                   help_text="Blank: every kind without a policy of its own")
    platform = models.ForeignKey("inventory.Platform", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="lifecycle_policies", help_text="Minimum version: which platform")
    minimum_version = models.CharField(max_length=100, blank=True)
    years = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                             help_text="Replacement cycle: years after purchase")
    days = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                       help_text="Warranty / support window / not seen: number of days")
    severity = models.CharField(max_length=10, choices=FindingSeverityChoices, blank=True,
                                help_text="Blank: the rule's default severity")
    enabled = models.BooleanField(default=True)
    notes = models.CharField(max_length=200, blank=True)

    url_name = "inventory:lifecyclepolicy"

    class Meta:
        ordering = ["rule", "device_kind", "name"]
        verbose_name = "lifecycle policy"
        verbose_name_plural = "lifecycle policies"
        constraints = [
            models.UniqueConstraint(fields=["name"], name="inventory_lifecyclepolicy_unique_name"),
            models.UniqueConstraint(fields=["rule", "device_kind"],
                                    condition=~Q(rule=LifecyclePolicyRuleChoices.MINIMUM_VERSION),
                                    name="inventory_lifecyclepolicy_unique_rule_kind"),
            models.UniqueConstraint(fields=["platform", "device_kind"],
                                    condition=Q(rule=LifecyclePolicyRuleChoices.MINIMUM_VERSION),
                                    name="inventory_lifecyclepolicy_unique_minimum"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        rule = self.rule
        if rule == LifecyclePolicyRuleChoices.REPLACEMENT_CYCLE and not self.years:
            errors["years"] = "A replacement cycle needs a number of years."
        if rule in (LifecyclePolicyRuleChoices.WARRANTY, LifecyclePolicyRuleChoices.NOT_SEEN,
                    LifecyclePolicyRuleChoices.SUPPORT_WINDOW) and not self.days:
            errors["days"] = "This rule needs a number of days."
        if rule == LifecyclePolicyRuleChoices.MINIMUM_VERSION:
            if not self.platform_id:
                errors["platform"] = "A minimum version policy needs a platform."
            if not (self.minimum_version or "").strip():
                errors["minimum_version"] = "Give the minimum approved version, e.g. 15.2(7)E6."
        elif self.platform_id or self.minimum_version:
            errors["platform"] = "Platform and minimum version only apply to the minimum version rule."
        if errors:
            raise ValidationError(errors)
        self.minimum_version = (self.minimum_version or "").strip()


class Finding(models.Model):
    """Something about a device that needs action: its OS is out of support, it is past its replacement cycle…

    Derived data: recomputed by ``findings_evaluate()`` (after discovery, daily and on demand), never edited by hand
    and not recorded in the audit history row by row (the recomputation is a job with a log).
    """

    # No index of its own: the (device, reason) unique constraint's index serves look-ups by device, and every index
    # is written for each of the ~3 findings per device a cold evaluation inserts.
    device = models.ForeignKey("inventory.Device", on_delete=models.CASCADE, related_name="findings", db_index=False)
    reason = models.CharField(max_length=40, choices=FindingReasonChoices)
    severity = models.CharField(max_length=10, choices=FindingSeverityChoices)
    effective_date = models.DateField(null=True, blank=True,
                                      help_text="When it became (or becomes) true; blank when the date is unknown")
    detail = models.CharField(max_length=500, blank=True)
    evidence = models.JSONField(default=dict, blank=True,
                                help_text="The catalogue fact (with its source URL) or the policy behind it")
    digest = models.CharField(max_length=32, editable=False, help_text="Hash of the content, to write only changes")
    created = models.DateTimeField(auto_now_add=True, help_text="First raised")
    last_updated = models.DateTimeField(auto_now=True)

    url_name = "inventory:finding"

    class Meta:
        ordering = ["device__name", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["device", "reason"], name="inventory_finding_unique_device_reason"),
        ]
        indexes = [models.Index(fields=["reason", "severity"], name="inventory_finding_reason")]

    def __str__(self) -> str:
        return f"{self.device}: {self.get_reason_display()}" if self.device_id else self.reason

    def get_absolute_url(self) -> str:
        return reverse("inventory:device_detail", kwargs={"pk": self.device_id}) + "#findings"
