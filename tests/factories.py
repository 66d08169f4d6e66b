"""factory_boy factories: each test builds exactly the data it needs."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from inventory import models as inv
from inventory.choices import DeviceKindChoices


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """UserFactory(perms=["inventory.view_device", ...])"""
        for perm in extracted or []:
            app_label, codename = perm.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        if create:
            self.save()


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Site

    name = factory.Sequence(lambda n: f"Site {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    address = "1 High Street"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Location

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    slug = factory.Sequence(lambda n: f"room-{n}")


class ManufacturerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Manufacturer

    name = factory.Sequence(lambda n: f"Maker {n}")
    slug = factory.Sequence(lambda n: f"maker-{n}")


class HardwareModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.HardwareModel

    manufacturer = factory.SubFactory(ManufacturerFactory)
    model = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")
    kind = DeviceKindChoices.SERVER


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Platform

    name = factory.Sequence(lambda n: f"Platform {n}")
    slug = factory.Sequence(lambda n: f"platform-{n}")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Device

    name = factory.Sequence(lambda n: f"device-{n:04d}")
    kind = DeviceKindChoices.SERVER
    site = factory.SubFactory(SiteFactory)


class InterfaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Interface

    device = factory.SubFactory(DeviceFactory)
    name = factory.Sequence(lambda n: f"eth{n}")


class IPAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.IPAddress

    device = factory.SubFactory(DeviceFactory)
    address = factory.Sequence(lambda n: f"10.{(n // 65536) % 256}.{(n // 256) % 256}.{n % 256}")
    prefix_length = 24


class InstalledSoftwareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.InstalledSoftware

    device = factory.SubFactory(DeviceFactory)
    product = factory.Sequence(lambda n: f"package-{n}")
    version = "1.0"


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Application

    name = factory.Sequence(lambda n: f"Application {n}")
    slug = factory.Sequence(lambda n: f"application-{n}")


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Dependency

    source_device = factory.SubFactory(DeviceFactory)
    target_device = factory.SubFactory(DeviceFactory)
    port = 443
