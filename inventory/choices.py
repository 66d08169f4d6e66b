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
