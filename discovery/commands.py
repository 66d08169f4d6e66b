"""The commands the SSH collector runs, by name. Parsers read SshReply.outputs by these names.

Each command is read-only and bounded in output. Keep names stable: recorded fixtures use them.
"""

from __future__ import annotations

# Run first on every host: tells a Unix shell from a network CLI or a PBX shell.
PROBE = {"uname": "uname -srm"}

DPKG_STATUS_READ = (
    "if [ -r {status} ]; then awk 'function row() {{ if (p != \"\" && s !~ / not-installed$/) "
    "print p \"\\t\" v \"\\t\" a; p = v = a = s = \"\" }} /^Package: /{{ p = substr($0, 10) }} "
    "/^Status: /{{ s = $0 }} /^Version: /{{ v = substr($0, 10) }} /^Architecture: /{{ a = substr($0, 15) }} "
    "/^$/{{ row() }} END {{ row() }}' {status}; "
    "else dpkg-query -W -f '${{Package}}\\t${{Version}}\\t${{Architecture}}\\n' 2>/dev/null; fi"
)

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
    # dpkg's status file read with awk gives the lines `dpkg-query -W` gives with this format (packages not purged,
    # in the file's order) for a third of the CPU; dpkg-query itself where the file cannot be read
    "packages_dpkg": DPKG_STATUS_READ.format(status="/var/lib/dpkg/status"),
    "packages_rpm": "rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{INSTALLTIME}\\n' 2>/dev/null",
    # -n numeric, -t TCP, -H no header; only the states that become Dependencies (listening, established), chosen
    # in the kernel: a busy server's thousands of TIME-WAIT sockets are neither listed nor sent. (With two states
    # or more, ss still prints the State column the parser reads.)
    "connections": "ss -tanH state listening state established 2>/dev/null",
}

# UNIX commands that only read a kernel value or one short local file: quick and small by nature. The SSH batch
# runs them without the host-side time limit and output cap (a timeout(1) and a head -c process each, which cost
# the host more than these commands do); the collector still enforces both on what it receives. Every other
# command, and any command added later, gets both on the host itself.
QUICK_READS = frozenset({"hostname", "os_release", "uname", "dmi", "cpu", "memory"})

NETWORK_CLI = {
    "show_version": "show version",
    "show_inventory": "show inventory",
}

PBX = {
    "asterisk_version": "asterisk -rx 'core show version'",
}
