from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("discovery", "0003_directory_source"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClassificationRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("last_updated", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(max_length=100)),
                ("enabled", models.BooleanField(default=True)),
                ("sys_object_id", models.CharField(blank=True, help_text="e.g. 1.3.6.1.4.1.6666 (matches it and everything below)", max_length=255, verbose_name="sysObjectID prefix")),
                ("sys_descr", models.CharField(blank=True, help_text="A regular expression, case-insensitive, e.g. '^Acme VoIP (?P<model>\\S+) v(?P<version>[\\d.]+)'", max_length=500, verbose_name="sysDescr pattern")),
                ("manufacturer", models.CharField(blank=True, max_length=100)),
                ("kind", models.CharField(blank=True, choices=[("server", "server"), ("virtual_machine", "virtual machine"), ("hypervisor", "hypervisor"), ("desktop", "desktop"), ("laptop", "laptop"), ("thin_client", "thin client"), ("ip_phone", "ip phone"), ("pbx", "pbx"), ("voice_gateway", "voice gateway"), ("switch", "switch"), ("router", "router"), ("firewall", "firewall"), ("wireless_ap", "wireless ap"), ("ups", "ups"), ("printer", "printer"), ("storage", "storage"), ("bmc", "bmc"), ("other", "other")], max_length=20)),
                ("platform", models.CharField(blank=True, max_length=100)),
                ("model", models.CharField(blank=True, help_text="Text, or {model} for a group of the pattern", max_length=100, verbose_name="model")),
                ("version", models.CharField(blank=True, help_text="Text, or {version} for a group of the pattern", max_length=100)),
                ("description", models.CharField(blank=True, help_text="The public fact the rule rests on", max_length=200)),
            ],
            options={
                "ordering": ["name"],
                "constraints": [models.UniqueConstraint(fields=("name",), name="discovery_classificationrule_unique_name")],
            },
        ),
    ]
