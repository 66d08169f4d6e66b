from django.db import models


class DeviceKindChoices(models.TextChoices):
    SERVER = "server", "Server"
    VIRTUAL_MACHINE = "virtual_machine", "Virtual machine"
    HYPERVISOR = "hypervisor", "Hypervisor"
    DESKTOP = "desktop", "Desktop"
    LAPTOP = "laptop", "Laptop"
    THIN_CLIENT = "thin_client", "Thin client"
    IP_PHONE = "ip_phone", "IP phone"
    PBX = "pbx", "PBX / call manager"
    VOICE_GATEWAY = "voice_gateway", "Voice gateway"
    SWITCH = "switch", "Switch"
    ROUTER = "router", "Router"
    FIREWALL = "firewall", "Firewall"
    WIRELESS_AP = "wireless_ap", "Wireless AP"
    UPS = "ups", "UPS"
    PRINTER = "printer", "Printer"
    STORAGE = "storage", "Storage"
    BMC = "bmc", "BMC"
    OTHER = "other", "Other"


class DeviceStatusChoices(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    OFFLINE = "offline", "Offline"
    DECOMMISSIONING = "decommissioning", "Decommissioning"
    RETIRED = "retired", "Retired"


class CriticalityChoices(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class DiscoverySourceChoices(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    IMPORT = "import", "Imported"
    SNMP = "snmp", "SNMP"
    SSH = "ssh", "SSH"
    LLDP = "lldp", "LLDP neighbour"
    CDP = "cdp", "CDP neighbour"
    CALL_MANAGER = "call_manager", "Call manager phone table"
    DIRECTORY = "directory", "Directory (LDAP / Active Directory)"


class FieldDecisionChoices(models.TextChoices):
    """What reconcile does with one field of a device (inventory/provenance.py decide())."""

    SET = "set", "Set (was blank)"
    UPDATE = "update", "Update"
    PROPOSE = "propose", "Propose to a person"
    CONFIRM = "confirm", "Confirmed (same value)"
    KEEP = "keep", "Keep the current value"


class ProposedChangeStatusChoices(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class ProvenanceSourceChoices(models.TextChoices):
    """Where a device field's value came from; strengths are in inventory/provenance.py."""

    PERSON = "person", "Set by a person"
    IMPORT = "import", "Imported"
    SSH = "ssh", "SSH (from the machine itself)"
    SNMP_VENDOR = "snmp_vendor", "SNMP vendor or standard MIB"
    SNMP_GENERIC = "snmp_generic", "SNMP generic (sysDescr, guess)"
    DIRECTORY = "directory", "Directory (LDAP / Active Directory)"
    NEIGHBOUR = "neighbour", "Neighbour (LLDP / CDP / call manager)"
    RULE = "rule", "Classification rule"


class InterfaceTypeChoices(models.TextChoices):
    ETHERNET = "ethernet", "Ethernet"
    WIRELESS = "wireless", "Wireless"
    VIRTUAL = "virtual", "Virtual"
    LAG = "lag", "Link aggregation"
    LOOPBACK = "loopback", "Loopback"
    TUNNEL = "tunnel", "Tunnel"
    OTHER = "other", "Other"


class DependencyProtocolChoices(models.TextChoices):
    TCP = "tcp", "TCP"
    UDP = "udp", "UDP"
    OTHER = "other", "Other"


class DependencySourceChoices(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    IMPORT = "import", "Imported"
    CONNECTIONS = "connections", "Observed TCP connections"
    LLDP = "lldp", "LLDP/CDP neighbours"


# --- lifecycle (inventory/models/lifecycle.py) ---------------------------------------------------------------------


class LifecycleKindChoices(models.TextChoices):
    OS = "os", "Operating system"
    FIRMWARE = "firmware", "Firmware / network OS"
    APPLICATION = "application", "Application"
    HYPERVISOR = "hypervisor", "Hypervisor"
    PBX = "pbx", "PBX / call manager"


class LifecycleOriginChoices(models.TextChoices):
    SHIPPED = "shipped", "Shipped with Estate"
    IMPORTED = "imported", "Imported"
    MANUAL = "manual", "Entered by hand"


class LifecycleConfidenceChoices(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class FindingReasonChoices(models.TextChoices):
    OS_END_OF_SUPPORT = "os_end_of_support", "OS out of security support"
    OS_SECURITY_SUPPORT_ENDS_SOON = "os_security_support_ends_soon", "OS security support ends soon"
    OS_EXTENDED_SUPPORT_ONLY = "os_extended_support_only", "OS on paid extended support only"
    HARDWARE_END_OF_SUPPORT = "hardware_end_of_support", "Hardware out of vendor support"
    HARDWARE_END_OF_SALE = "hardware_end_of_sale", "Hardware no longer sold"
    WARRANTY_EXPIRED = "warranty_expired", "Warranty expired"
    WARRANTY_EXPIRES_SOON = "warranty_expires_soon", "Warranty expires soon"
    PAST_REPLACEMENT_CYCLE = "past_replacement_cycle", "Past its replacement cycle"
    NOT_SEEN = "not_seen", "Not seen recently"
    UNKNOWN_VERSION = "unknown_version", "Version not in the catalogue"
    BELOW_MINIMUM_VERSION = "below_minimum_version", "Below the minimum approved version"
    SOFTWARE_END_OF_SUPPORT = "software_end_of_support", "Installed software out of security support"
    SOFTWARE_EXTENDED_SUPPORT_ONLY = "software_extended_support_only", "Software on paid extended support only"
    SOFTWARE_SECURITY_SUPPORT_ENDS_SOON = "software_security_support_ends_soon", "Installed software support ends soon"


class FindingSeverityChoices(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    INFO = "info", "Info"


class LifecyclePolicyRuleChoices(models.TextChoices):
    REPLACEMENT_CYCLE = "replacement_cycle", "Replacement cycle (years after purchase)"
    WARRANTY = "warranty", "Warranty (warn N days before it ends)"
    NOT_SEEN = "not_seen", "Not seen for N days"
    SUPPORT_WINDOW = "support_window", "OS security support ends within N days"
    MINIMUM_VERSION = "minimum_version", "Minimum approved version of a platform"


class SupportStatusChoices(models.TextChoices):
    """Where a release is in its vendor's support life (inventory/lifecycle/phases.py works it out)."""

    SUPPORTED = "supported", "Supported"
    SECURITY_ONLY = "security_only", "Security fixes only"
    EXTENDED_ONLY = "extended_only", "Paid extended support only"
    UNSUPPORTED = "unsupported", "Unsupported"
    UNKNOWN = "unknown", "Unknown"
