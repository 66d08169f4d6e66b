"""factory_boy factories for the lifecycle models (beside their tests; the shared ones are in tests/factories.py)."""

from __future__ import annotations

import datetime as dt

import factory

from inventory import models as inv
from inventory.choices import LifecycleOriginChoices, LifecyclePolicyRuleChoices
from tests.factories import PlatformFactory


class LifecycleProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.LifecycleProduct

    # "Aa…" sorts before the shipped catalogue, so a made product is on the first page of every list.
    slug = factory.Sequence(lambda n: f"aa-test-os-{n}")
    name = factory.Sequence(lambda n: f"Aa Test OS {n}")
    platform_names = factory.LazyAttribute(lambda o: [o.name])
    source = "https://example.test/lifecycle"
    origin = LifecycleOriginChoices.MANUAL


class LifecycleCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.LifecycleCycle

    product = factory.SubFactory(LifecycleProductFactory)
    cycle = factory.Sequence(lambda n: f"{n + 1}.0")
    label = factory.LazyAttribute(lambda o: f"{o.product.name} {o.cycle}")
    release_date = dt.date(2020, 1, 1)
    end_of_security_support = dt.date(2030, 1, 1)
    match = factory.LazyAttribute(lambda o: [o.cycle])
    source = "https://example.test/lifecycle/cycle"


class HardwareNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.HardwareNotice

    manufacturer = "Aa Networks"
    model = factory.Sequence(lambda n: f"AA-SWITCH-{n}")
    end_of_sale = dt.date(2024, 1, 31)
    end_of_support = dt.date(2029, 1, 31)
    source = "https://example.test/notice"


class VersionMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.VersionMapping

    platform = factory.SubFactory(PlatformFactory)
    version = factory.Sequence(lambda n: f"custom build {n}")
    cycle = factory.SubFactory(LifecycleCycleFactory)


class MinimumVersionPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.LifecyclePolicy

    name = factory.Sequence(lambda n: f"Aa minimum version {n}")
    rule = LifecyclePolicyRuleChoices.MINIMUM_VERSION
    platform = factory.SubFactory(PlatformFactory)
    minimum_version = "15.2(7)E6"
