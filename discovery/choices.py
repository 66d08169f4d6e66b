from django.db import models


class CredentialKindChoices(models.TextChoices):
    SNMP_V2C = "snmp_v2c", "SNMP v2c community"
    SNMP_V3 = "snmp_v3", "SNMP v3 user"
    SSH_PASSWORD = "ssh_password", "SSH username and password"
    SSH_KEY = "ssh_key", "SSH username and private key"


class SnmpSecurityLevelChoices(models.TextChoices):
    NO_AUTH_NO_PRIV = "noAuthNoPriv", "noAuthNoPriv"
    AUTH_NO_PRIV = "authNoPriv", "authNoPriv"
    AUTH_PRIV = "authPriv", "authPriv"


class SnmpAuthProtocolChoices(models.TextChoices):
    NONE = "none", "None"
    SHA = "sha", "SHA-1"
    SHA224 = "sha224", "SHA-224"
    SHA256 = "sha256", "SHA-256"
    SHA384 = "sha384", "SHA-384"
    SHA512 = "sha512", "SHA-512"


class SnmpPrivProtocolChoices(models.TextChoices):
    NONE = "none", "None"
    AES = "aes", "AES-128"
    AES192 = "aes192", "AES-192"
    AES256 = "aes256", "AES-256"


class HostResultActionChoices(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    UNREACHABLE = "unreachable", "Unreachable"
    FAILED = "failed", "Failed"


class DiscoveryMethodChoices(models.TextChoices):
    SNMP = "snmp", "SNMP"
    SSH = "ssh", "SSH"
    NEIGHBOUR = "neighbour", "Neighbour table"


class DiscoveryModeChoices(models.TextChoices):
    INVENTORY = "inventory", "Full inventory (SNMP walk and SSH)"
    IDENTIFY = "identify", "Quick identification (SNMP system group and chassis only)"


class DirectoryDisabledPolicyChoices(models.TextChoices):
    """What a disabled computer account in the directory makes of its device."""

    OFFLINE = "offline", "Offline"
    DECOMMISSIONING = "decommissioning", "Decommissioning"
