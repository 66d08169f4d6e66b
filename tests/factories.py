"""factory_boy factories: each test builds exactly the data it needs."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from estate import models as core
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


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = core.Schedule

    name = factory.Sequence(lambda n: f"Schedule {n}")
    kind = "test.sleep"
    kwargs = factory.LazyFunction(lambda: {"seconds": 0, "steps": 1})
    cron = "0 2 * * *"


class BlackoutWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = core.BlackoutWindow

    name = factory.Sequence(lambda n: f"Blackout {n}")
    reason = "Finance month-end close"
    rule = "monthly_last_days"
    last_days = 3


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = core.Job

    kind = "test.sleep"
    name = factory.Sequence(lambda n: f"Job {n}")
    kwargs = factory.LazyFunction(lambda: {"seconds": 0})
    started_by = "test"


# --- discovery -------------------------------------------------------------------------------------------------------


class CredentialFactory(factory.django.DjangoModelFactory):
    """CredentialFactory(secrets={"community": "..."}) stores the secrets encrypted, as the service does."""

    class Meta:
        model = "discovery.Credential"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Credential {n}")
    kind = "snmp_v2c"

    @factory.post_generation
    def secrets(self, create, extracted, **kwargs):
        from discovery.secrets import encrypt_secrets

        values = extracted if extracted is not None else ({"community": f"community-{self.pk}"}
                                                          if self.kind == "snmp_v2c" else {})
        self.secret_data = encrypt_secrets(values) if values else ""
        if create:
            self.save(update_fields=["secret_data"])


class CredentialSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discovery.CredentialSet"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Credential set {n}")
    approved_networks = "127.0.0.0/8\n::1/128"  # loopback: where every test agent listens

    @factory.post_generation
    def credentials(self, create, extracted, **kwargs):
        from discovery.models import CredentialSetMember

        for position, credential in enumerate(extracted or []):
            CredentialSetMember.objects.create(credential_set=self, credential=credential, position=position)


class ScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discovery.Scope"

    name = factory.Sequence(lambda n: f"Scope {n}")
    site = factory.SubFactory(SiteFactory)
    targets = factory.Sequence(lambda n: f"127.99.{n % 250}.0/28")


class HostKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discovery.HostKey"

    address = factory.Sequence(lambda n: f"127.98.{(n // 250) % 250}.{n % 250 + 1}")
    port = 22
    key_type = "ssh-ed25519"
    fingerprint = factory.Sequence(lambda n: f"SHA256:trusted-{n:04d}")



def _encrypted(values: dict[str, str]) -> str:
    from discovery.secrets import encrypt_secrets

    return encrypt_secrets(values)


class DirectorySourceFactory(factory.django.DjangoModelFactory):
    """A directory source with a stored (encrypted) bind password, "factory-bind-pw"."""

    class Meta:
        model = "discovery.DirectorySource"

    name = factory.Sequence(lambda n: f"Directory {n}")
    site = factory.SubFactory(SiteFactory)
    server_urls = "ldap://127.0.0.1:389"
    bind_user = "svc-estate@estate.test"
    base_dns = "DC=estate,DC=test"
    secret_data = factory.LazyFunction(lambda: _encrypted({"password": "factory-bind-pw"}))


class ClassificationRuleFactory(factory.django.DjangoModelFactory):
    """A taught rule: Acme VoIP gateways (a made-up enterprise number under the documentation-free 99998)."""

    class Meta:
        model = "discovery.ClassificationRule"

    name = factory.Sequence(lambda n: f"Acme rule {n}")
    sys_object_id = factory.Sequence(lambda n: f"1.3.6.1.4.1.99998.{n}")
    manufacturer = "Acme"
    kind = "voice_gateway"


# --- migration plans --------------------------------------------------------------------------------------------------


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "migration_plans.Programme"

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    owner = "Head of ICT"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "migration_plans.BudgetLine"

    programme = factory.SubFactory(ProgrammeFactory)
    financial_year = "2026/27"
    category = "capital"
    description = factory.Sequence(lambda n: f"Budget line {n}")
    planned = 10000
    actual = 2500


class SavingsForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "migration_plans.SavingsForecast"

    programme = factory.SubFactory(ProgrammeFactory)
    financial_year = "2026/27"
    description = factory.Sequence(lambda n: f"Saving {n}")
    forecast = 5000


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "migration_plans.Wave"

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Wave {n}")
    kind = "cloud_migration"


class WaveWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "migration_plans.WaveWindow"

    wave = factory.SubFactory(WaveFactory)
    kind = "cutover"
    start = factory.LazyFunction(lambda: _now_hour())
    end = factory.LazyAttribute(lambda o: o.start + _hours(4))


def _now_hour():
    from django.utils import timezone

    return timezone.now().replace(minute=0, second=0, microsecond=0)


def _hours(n: int):
    from datetime import timedelta

    return timedelta(hours=n)


class WaveItemFactory(factory.django.DjangoModelFactory):
    """A device moving to the cloud (rehost needs a provider)."""

    class Meta:
        model = "migration_plans.WaveItem"

    wave = factory.SubFactory(WaveFactory)
    device = factory.SubFactory(DeviceFactory)
    strategy = "rehost"
    target_provider = "Microsoft Azure"


# --- runs (made by starting work, but pages need one to show) --------------------------------------------------------


class DiscoveryRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "discovery.DiscoveryRun"

    job = factory.SubFactory(JobFactory, kind="discovery", name="Discover 127.77.0.0/24")
    site = factory.SubFactory(SiteFactory)
    targets = "127.77.0.0/24"
    summary = factory.LazyFunction(lambda: {"created": 1, "updated": 0, "unchanged": 0, "unreachable": 0, "failed": 0})


class PlaybookRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "migration_plans.PlaybookRun"

    wave = factory.SubFactory(WaveFactory)
    job = factory.SubFactory(JobFactory, kind="playbook", name="Pre-checks")
    playbook = "precheck.yml"
    check_mode = True


class FindingFactory(factory.django.DjangoModelFactory):
    """A finding as the lifecycle evaluation would raise it (made here only for pages that need one to show)."""

    class Meta:
        model = inv.Finding

    device = factory.SubFactory(DeviceFactory)
    reason = "warranty_expired"
    severity = "medium"
    detail = "Warranty ended 31/03/2024"
    evidence = factory.LazyFunction(lambda: {"policy": "warranty", "warranty_end": "2024-03-31"})
    digest = factory.Sequence(lambda n: f"{n:032x}")


# Lifecycle factories live beside their tests; re-exported so every model's factory can be found here.
from tests.lifecycle.factories import (  # noqa: E402, F401
    HardwareNoticeFactory,
    LifecycleCycleFactory,
    LifecycleProductFactory,
    MinimumVersionPolicyFactory,
    VersionMappingFactory,
)


class ProposedChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.ProposedChange

    device = factory.SubFactory(DeviceFactory)
    field = "os_version"
    current_value = "20.04.6 LTS"
    current_source = "person"
    proposed_value = "22.04"
    proposed_source = "ssh"
    strength = 90
    detail = "/etc/os-release over SSH"
    last_proposed = factory.LazyFunction(timezone.now)
