"""The commands the SSH collector runs, by name. Parsers read SshReply.outputs by these names.

Each command is read-only and bounded in output. Keep names stable: recorded fixtures use them.
"""

from __future__ import annotations

# Run first on every host: tells a Unix shell from a network CLI or a PBX shell.
PROBE = {"uname": "uname -srm"}

UNIX = {
    "hostname": "hostname",
    "os_release": "cat /etc/os-release",
    "uname": "uname -srm",
    # key=value lines; unreadable files (e.g. product_serial as non-root) give an empty value. Shell builtins only
    # (read, printf): one fork+exec of cat per attribute cost more than everything else this command does
    "dmi": (
        "for f in sys_vendor product_name product_serial product_version bios_vendor bios_version bios_date "
        "chassis_type; do v=; IFS= read -r v 2>/dev/null </sys/class/dmi/id/$f; printf '%s=%s\\n' \"$f\" \"$v\"; done"
    ),
    "cpu": "nproc; grep -m1 'model name' /proc/cpuinfo",
    "memory": "cat /proc/meminfo",
    "disks": "lsblk -b -d -n -P -o NAME,SIZE,TYPE,MODEL,SERIAL 2>/dev/null",
    "interfaces": "ip -o link show; ip -o addr show",
    "packages_dpkg": "dpkg-query -W -f '${Package}\\t${Version}\\t${Architecture}\\n' 2>/dev/null",
    "packages_rpm": "rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{INSTALLTIME}\\n' 2>/dev/null",
    # -n numeric, -t TCP, -a all states, -H no header: listening and established sockets become Dependencies
    "connections": "ss -tanH 2>/dev/null",
}

# UNIX commands whose output is small by nature (one short file or line). The SSH batch runs them without the
# host-side output cap (a head -c process each); the collector still enforces the cap on what it receives.
# Every other command, and any command added later, is capped on the host itself.
SMALL_OUTPUT = frozenset({"hostname", "os_release", "uname", "dmi", "cpu", "memory"})

NETWORK_CLI = {
    "show_version": "show version",
    "show_inventory": "show inventory",
}

PBX = {
    "asterisk_version": "asterisk -rx 'core show version'",
}
