"""SSH collector: runs the read-only commands of discovery.commands on each host. I/O only, nothing parsed.

Host keys are trust-on-first-use and checked BEFORE any authentication: paramiko.Transport is driven by hand
(start_client, get_remote_server_key), so a changed key means no password or key is ever offered.
Secrets (passwords, private keys, passphrases) are never logged and never put in error strings.

On a POSIX shell every command runs in ONE exec channel: a small sh script frames each command's stdout and its
exit status with a random boundary marker on the channel's stdout, and its stderr likewise on the channel's stderr
(nothing is written on the host), with a per-command time limit (a client-side watchdog always; timeout(1) on the
host, when it has one, for commands other than quick reads) and a per-command output cap (head -c on the host for
commands whose output can grow; the collector enforces it on everything it reads). One channel costs one sshd
session fork instead of a dozen. A host that does not run the script (network CLI, PBX shell, csh without sh, an odd
server) is collected the old way: the probe, then one channel per command.

Where the CPU goes (bench/ssh_inventory.py, 100 OpenSSH hosts on one 2-core box, per host): sshd itself ~22 ms
(fork, re-exec, key exchange, auth, session), the inventory commands and the script's framing ~20 ms (ss, awk over
dpkg's status file, ip, lsblk; timeout(1) and head for the commands that need them), this collector ~6 ms
(paramiko). Hence the script's care with processes, and AES-GCM first (see _connect).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import math
import re
import secrets
import shlex
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import paramiko

from discovery import commands
from discovery.raw import CommandOutput, SshReply

log = logging.getLogger(__name__)

MAX_OUTPUT_BYTES = 4 * 1024 * 1024  # per stream per command; past it the command is cut and reported unfinished
HOST_DEADLINE = 180.0  # seconds for every command of one host together
_POLL = 0.01
_BATCH_GRACE = 5.0  # seconds past command_timeout before the watchdog gives up on a command of the batch

# Tells a Unix shell's `uname` answer from a network CLI echoing an error.
_CLI_ERROR_MARKERS = (b"%", b"invalid", b"unknown command", b"unrecognized command", b"syntax error")


@dataclass(frozen=True, slots=True)
class SshCredential:
    id: int
    username: str
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)  # PEM or OpenSSH text
    passphrase: str | None = field(default=None, repr=False)


class _Refused(Exception):
    """The host cannot be collected; the message is short and safe to show."""


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style fingerprint: SHA256:<base64 without padding>."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


def public_key_line(key: paramiko.PKey) -> str:
    """The key as OpenSSH writes it in known_hosts, without the host name: "ssh-ed25519 AAAA…"."""
    return f"{key.get_name()} {key.get_base64()}"


_CIPHERS_FIRST = ("aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr")
_MACS_FIRST = ("hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512", "hmac-sha2-256")


def _prefer(available: Sequence[str], first: Sequence[str]) -> tuple[str, ...]:
    """available reordered: those of first that it has, in first's order, then the rest as they were."""
    return tuple(a for a in first if a in available) + tuple(a for a in available if a not in first)


def _connect(address: str, port: int, timeout: float,
             preferred_key_type: str | None = None) -> tuple[paramiko.Transport, paramiko.PKey]:
    """TCP connect and SSH key exchange, no authentication; returns the transport and the server's host key."""
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except TimeoutError:
        raise _Refused("timeout: no SSH response") from None
    except ConnectionRefusedError:
        raise _Refused("connect failed: connection refused") from None
    except OSError as exc:
        raise _Refused(f"connect failed: {exc.strerror or type(exc).__name__}") from None
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    transport.auth_timeout = timeout
    options = transport.get_security_options()
    # AES-GCM first: one AEAD call per packet in `cryptography`, where CTR+HMAC costs paramiko a Python HMAC and a
    # Python byte-by-byte MAC compare per packet (about twice the client CPU per packet). Nothing is disabled:
    # an older server still gets CTR, with the encrypt-then-MAC modes preferred.
    options.ciphers = _prefer(options.ciphers, _CIPHERS_FIRST)
    options.digests = _prefer(options.digests, _MACS_FIRST)
    if preferred_key_type:
        # ask for the recorded key type first, so a server with several host keys shows the one we know
        wanted = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") if preferred_key_type == "ssh-rsa" else (
            preferred_key_type,)
        options.key_types = _prefer(options.key_types, wanted)
    try:
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
    except (paramiko.SSHException, EOFError, OSError) as exc:
        transport.close()
        text = str(exc) or type(exc).__name__
        if not transport.remote_version or "banner" in text.lower() or isinstance(exc, TimeoutError):
            raise _Refused("timeout: no SSH banner") from None
        raise _Refused(f"ssh handshake failed: {text[:120]}") from None
    return transport, key


def ssh_host_key(address: str, port: int = 22, timeout: float = 10.0) -> tuple[str, str]:
    """(key type, SHA256 fingerprint) of a server's host key, without authenticating."""
    transport, key = _connect(address, port, timeout)
    transport.close()
    return key.get_name(), fingerprint(key)


def _load_key(text: str, passphrase: str | None) -> paramiko.PKey:
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException:
            raise _Refused("private key needs a passphrase") from None
        except (paramiko.SSHException, ValueError, TypeError):
            continue
    raise _Refused("private key not readable")


class _Keys:
    """Private keys parsed once per sweep, not once per host: an RSA key (cryptography checks it on load) or a
    passphrase-protected one (bcrypt KDF) costs ~150 ms of CPU to parse. Lives only as long as ssh_collect."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str | None], paramiko.PKey | str] = {}

    def load(self, text: str, passphrase: str | None) -> paramiko.PKey:
        with self._lock:  # the first host parses, the others wait for it rather than all parsing at once
            key = self._loaded.get((text, passphrase))
            if key is None:
                try:
                    key = _load_key(text, passphrase)
                except _Refused as exc:
                    key = str(exc)
                self._loaded[(text, passphrase)] = key
        if isinstance(key, str):
            raise _Refused(key)
        return key


def _answer_with(password: str) -> Callable[[str, str, list[tuple[str, bool]]], list[str]]:
    """keyboard-interactive handler that answers every prompt with the password."""
    return lambda _title, _instructions, prompts: [password for _ in prompts]


def _authenticate(transport: paramiko.Transport, credential: SshCredential, keys: _Keys | None = None) -> bool:
    """True when the server accepted this credential. Raises _Refused when the transport died."""
    methods: list[str] = []
    if credential.private_key:
        methods.append("publickey")
    if credential.password is not None:
        methods.append("password")
    for method in methods:
        if not transport.is_active():
            return False
        try:
            if method == "publickey":
                assert credential.private_key is not None
                key = (keys or _Keys()).load(credential.private_key, credential.passphrase)
                transport.auth_publickey(credential.username, key)
            else:
                assert credential.password is not None
                try:
                    transport.auth_password(credential.username, credential.password)
                except paramiko.BadAuthenticationType as exc:
                    if "keyboard-interactive" not in exc.allowed_types:
                        raise
                    transport.auth_interactive(credential.username, _answer_with(credential.password))
            if transport.is_authenticated():
                return True
        except (paramiko.AuthenticationException, paramiko.SSHException, EOFError, OSError):
            continue
    return transport.is_authenticated()


def _run(transport: paramiko.Transport, command: str, timeout: float, cap: int = MAX_OUTPUT_BYTES) -> CommandOutput:
    """Run one command; exit_status None when it timed out or its output passed the cap."""
    try:
        channel = transport.open_session(timeout=timeout)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        return CommandOutput(command=command, exit_status=None, stderr=f"channel failed: {exc}"[:200].encode())
    stdout, stderr = bytearray(), bytearray()
    deadline = time.monotonic() + timeout
    finished = False
    try:
        channel.settimeout(timeout)
        channel.exec_command(command)
        while True:
            busy = False
            if channel.recv_ready():
                stdout += channel.recv(65536)
                busy = True
            if channel.recv_stderr_ready():
                stderr += channel.recv_stderr(65536)
                busy = True
            if len(stdout) > cap or len(stderr) > cap:
                break  # cut a runaway (or hostile) stream: the caller gets what fits, marked unfinished
            if channel.exit_status_ready() and not channel.recv_ready() and not channel.recv_stderr_ready():
                finished = True
                break
            if channel.closed and not busy:
                break
            if time.monotonic() > deadline:
                break
            if not busy:
                time.sleep(_POLL)
        status = channel.recv_exit_status() if finished else None
    except (paramiko.SSHException, EOFError, OSError, TimeoutError):
        status = None
    finally:
        channel.close()
    return CommandOutput(command=command, exit_status=status, stdout=bytes(stdout[:cap]), stderr=bytes(stderr[:cap]))


def _looks_unix(output: CommandOutput) -> bool:
    text = output.stdout.strip().lower()
    return output.exit_status == 0 and bool(text) and not any(text.startswith(m) or m in text[:200]
                                                               for m in _CLI_ERROR_MARKERS)


# A command the batch can run without a `sh -c` of its own: one simple command of plain words and single-quoted
# strings (no expansion, glob, redirection, operator or variable), optionally ending in " 2>/dev/null". Written
# into the batch script as it is, the shell reads it exactly as `sh -c` would.
_WORD = r"(?:[A-Za-z0-9_./:+,%@=-]|'[^']*')+"
_PLAIN = re.compile(rf"(?P<program>[A-Za-z0-9_./+-]+)(?: {_WORD})*(?P<quiet> 2>/dev/null)?")


# names the shell itself may answer (builtins, keywords, the script's own functions): `sh -c` runs a builtin where
# timeout(1) would exec a binary, so these always go through `sh -c`
_SHELL_NAMES = frozenset({".", ":", "alias", "break", "cd", "command", "continue", "echo", "eval", "exec", "exit",
                          "export", "false", "getopts", "hash", "kill", "local", "printf", "pwd", "read", "readonly",
                          "return", "set", "shift", "test", "times", "trap", "true", "type", "ulimit", "umask",
                          "unalias", "unset", "wait"})


def _plain(command: str) -> re.Match[str] | None:
    match = _PLAIN.fullmatch(command)
    if match is None or match["program"] in _SHELL_NAMES or match["program"].startswith("_"):
        return None
    return match


def _batch_script(named: Mapping[str, str], boundary: str, command_timeout: float, cap: int,
                  pbx: Mapping[str, str]) -> str:
    """One POSIX sh command line running every command, each framed by boundary markers.

    Per command, on stdout: "B OUT name\\n" stdout "\\nB RC name status\\n"; on stderr (the channel's own stderr
    stream, so nothing is written on the host): "B ERR name\\n" stderr "\\nB EOE name\\n". "B END\\n" closes stdout.
    stdin is /dev/null. Commands not in commands.QUICK_READS run under timeout(1) and have their stdout cut on the
    host at cap+1 bytes (one more than kept, so a cut shows); the collector enforces the cap on every stream it
    reads, and notices a command that stalls (see _run_batch).
    """
    limit = max(1, math.ceil(command_timeout))
    keep = cap + 1
    # Every fork+exec here costs the host ~1-2 ms of CPU, about as much as a small command itself: the framing is
    # builtins only (printf, command -v), a command runs unpiped unless its output can grow, a command that needs no
    # shell is exec'd by timeout(1) directly, and a "prog ... 2>/dev/null" command whose prog is not installed is
    # answered 127 without starting anything. Exit status of a piped command: through fd 3 of a $( ).
    lines = [
        f"B={boundary}",
        "exec 4>&1",
        # _o NAME opens a section on both streams; _e NAME STATUS [NEXT] closes it and opens NEXT's in the same
        # write: each write is one SSH packet, and every packet costs the collector (Python) more than its bytes
        "_o() { printf '%s OUT %s\\n' \"$B\" \"$1\"; printf '%s ERR %s\\n' \"$B\" \"$1\" >&2; }",
        "_e() { if [ -n \"$3\" ]; then printf '\\n%s RC %s %s\\n%s OUT %s\\n' \"$B\" \"$1\" \"$2\" \"$B\" \"$3\"; "
        "printf '\\n%s EOE %s\\n%s ERR %s\\n' \"$B\" \"$1\" \"$B\" \"$3\" >&2; "
        "else printf '\\n%s RC %s %s\\n' \"$B\" \"$1\" \"$2\"; printf '\\n%s EOE %s\\n' \"$B\" \"$1\" >&2; fi; }",
        # one probe for the usual case (GNU timeout with -k, head with -c), the old checks one by one otherwise
        f"if timeout -k 2 1 head -c 1 </dev/null >/dev/null 2>&1; then w='timeout -k 2 {limit}'; c='head -c {keep}'; "
        f"else if timeout -k 2 1 true >/dev/null 2>&1; then w='timeout -k 2 {limit}'; "
        f"elif timeout 1 true >/dev/null 2>&1; then w='timeout {limit}'; else w=; fi; "
        f"if head -c 1 </dev/null >/dev/null 2>&1; then c='head -c {keep}'; else c=cat; fi; fi",
    ]

    def run(name: str, command: str, after: str) -> str:
        """The lines running one command, whose section _o opened; after: the next section to open, or ""."""
        after = f" {after}" if after else ""

        def body(how: str) -> str:
            run_it = f"$w {how} </dev/null"
            return f"s=$( {{ {{ {run_it} 3>&- 4>&-; echo $? >&3; }} | $c >&4; }} 3>&1 ); _e {name} \"$s\"{after}"

        plain = _plain(command)
        if name in commands.QUICK_READS:
            # no timeout(1) to exec, so no sh -c either: a subshell (a fork, no exec) when it is not one command
            return f"{command if plain else f'( {command} )'} </dev/null; _e {name} $?{after}"
        with_sh = body(f"sh -c {shlex.quote(command)}")
        if plain is None:
            return with_sh
        # installed: run it as it is; not installed: "prog ... 2>/dev/null" gives no output and status 127 (say so
        # without starting anything), anything else goes through sh -c for the shell's own "not found" message
        missing = f"_e {name} 127{after}" if plain["quiet"] else with_sh
        return f"if command -v {plain['program']} >/dev/null 2>&1; then {body(command)}; else {missing}; fi"

    def run_all(group: Mapping[str, str]) -> list[str]:
        names = list(group)
        if not names:
            return []
        return [f"_o {names[0]}"] + [run(name, group[name], names[i + 1] if i + 1 < len(names) else "")
                                     for i, name in enumerate(names)]

    lines += run_all(named)
    if pbx:
        lines.append(f"if command -v asterisk >/dev/null 2>&1; then {'; '.join(run_all(pbx))}; fi")
    lines.append("printf '%s END\\n' \"$B\"")
    return "; ".join(lines)


def _exit_status(text: bytes) -> int | None:
    try:
        status = int(text.strip())
    except ValueError:
        return None
    # 124: timeout(1) ran out; 137: it had to KILL; both mean the command did not finish
    return None if status in (124, 137) else status


_SECTION_NAME = re.compile(rb"[a-z0-9_]{1,64}")


def _sections(data: bytes, boundary: bytes, opening: bytes, closing: bytes) -> dict[str, tuple[bytes, bytes | None]]:
    """name -> (section text, what follows its closing marker on that line, or None when it was never closed)."""
    found: dict[str, tuple[bytes, bytes | None]] = {}
    start_marker = boundary + b" " + opening + b" "
    pos = 0
    while True:
        at = data.find(start_marker, pos)
        if at < 0:
            break
        name_at = at + len(start_marker)
        name_end = data.find(b"\n", name_at, name_at + 65)
        if name_end < 0 or not _SECTION_NAME.fullmatch(data, name_at, name_end):
            pos = name_at  # not one of our markers (a name would be short and plain): look further
            continue
        name = data[name_at:name_end].decode()
        if name in found:
            break
        body_at = name_end + 1
        end_marker = b"\n" + boundary + b" " + closing + b" " + data[name_at:name_end]
        end_at = data.find(end_marker + (b" " if closing == b"RC" else b"\n"), body_at)
        line_end = data.find(b"\n", end_at + len(end_marker)) if end_at >= 0 else -1
        if end_at < 0 or line_end < 0:
            found[name] = (data[body_at:end_at if end_at >= 0 else len(data)], None)
            break
        found[name] = (data[body_at:end_at], data[end_at + len(end_marker):line_end].strip())
        pos = line_end + 1
    return found


def _split_batch(stdout: bytes, stderr: bytes, boundary: bytes, named: Mapping[str, str],
                 cap: int) -> tuple[dict[str, CommandOutput], bool]:
    """Outputs by name from the batch's stdout and stderr streams, and whether the script reached its end."""
    outputs: dict[str, CommandOutput] = {}
    outs = _sections(stdout, boundary, b"OUT", b"RC")
    errs = _sections(stderr, boundary, b"ERR", b"EOE")
    for name, (out, rc) in outs.items():
        if name not in named:
            break  # not a section the script prints: stop rather than guess
        err, closed = errs.get(name, (b"", None))
        status = _exit_status(rc) if rc is not None else None
        if rc is None or closed is None or len(out) > cap or len(err) > cap:
            status = None  # cut by the cap or by the stream ending: unfinished, as a single command would be
        outputs[name] = CommandOutput(command=named[name], exit_status=status, stdout=out[:cap], stderr=err[:cap])
        if rc is None:
            break
    return outputs, stdout.endswith(boundary + b" END\n")


def _run_batch(transport: paramiko.Transport, named: Mapping[str, str], pbx: Mapping[str, str],
               command_timeout: float, deadline: float,
               cap: int = MAX_OUTPUT_BYTES) -> tuple[dict[str, CommandOutput], bool]:
    """Run every command in one channel; (outputs by name, script completed). Empty outputs: not a POSIX sh."""
    boundary = "ESTATE-" + secrets.token_hex(16)
    script = _batch_script(named, boundary, command_timeout, cap, pbx)
    marker = boundary.encode()
    # the whole stream is bounded too: every section at its cap, plus the markers
    total_cap = (len(named) + len(pbx)) * 2 * (cap + 1) + 65536
    try:
        channel = transport.open_session(timeout=max(0.1, min(command_timeout, deadline - time.monotonic())))
    except (paramiko.SSHException, EOFError, OSError):
        return {}, False
    streams = {"out": bytearray(), "err": bytearray()}
    # where the last marker of each stream starts: the bytes after it are the section being read
    section_at = {"out": 0, "err": 0}
    progress = time.monotonic()
    seen_markers = 0

    def take(stream: str, chunk: bytes) -> bool:
        """Add a chunk; False when the section being read ran far past the cap (a runaway the host did not cut)."""
        nonlocal seen_markers, progress
        buffer = streams[stream]
        scan_from = max(0, len(buffer) - len(marker))
        buffer += chunk
        markers = buffer.count(marker, scan_from)
        if markers:
            seen_markers += markers
            progress = time.monotonic()
            section_at[stream] = buffer.rfind(marker, scan_from)
        # a small-output command past the cap is still read to its end (twice the cap at most), so the commands
        # after it stay in this channel; past that, drop the channel and run the rest one channel each
        return len(buffer) - section_at[stream] <= 2 * (cap + 1) + 256

    try:
        channel.settimeout(0.2)
        # sh -c: the login shell may be csh; shlex quoting reads the same in sh and csh on one line
        channel.exec_command(f"sh -c {shlex.quote(script)}")
        while True:
            try:
                chunk = channel.recv(65536)
            except TimeoutError:
                chunk = None
            if chunk == b"":
                while channel.recv_stderr_ready():  # EOF covers both streams: what stderr holds has all arrived
                    take("err", channel.recv_stderr(65536))
                break  # EOF: the script ended (or the host closed the channel)
            within = take("out", chunk) if chunk else True
            while within and channel.recv_stderr_ready():
                within = take("err", channel.recv_stderr(65536))
            now = time.monotonic()
            if not within or len(streams["out"]) + len(streams["err"]) > total_cap or now > deadline:
                break
            if now - progress > command_timeout + _BATCH_GRACE:
                # no marker for longer than a command may take: timeout(1) is missing or did not stop it
                log.info("SSH batch on %s stalled: finishing command by command", transport.getpeername()[0])
                break
            if not seen_markers and now - progress > command_timeout:
                break  # nothing that looks like our script answered
    except (paramiko.SSHException, EOFError, OSError):
        pass
    finally:
        channel.close()
    return _split_batch(bytes(streams["out"]), bytes(streams["err"]), marker, named, cap)


def _collect_commands(transport: paramiko.Transport, command_timeout: float,
                      host_deadline: float) -> tuple[str | None, dict[str, CommandOutput]]:
    outputs: dict[str, CommandOutput] = {}
    deadline = time.monotonic() + host_deadline

    def run_all(named: Mapping[str, str]) -> None:
        for name, command in named.items():
            if name in outputs:
                continue
            left = deadline - time.monotonic()
            if left <= 0 or not transport.is_active():
                return
            outputs[name] = _run(transport, command, min(command_timeout, left))

    # the probe first, then every Unix command, in one channel
    batch, complete = _run_batch(transport, {**commands.PROBE, **commands.UNIX}, commands.PBX, command_timeout,
                                 deadline)
    probe_name = next(iter(commands.PROBE))
    probe = batch.get(probe_name)
    if probe is not None and _looks_unix(probe):
        outputs.update(batch)
        run_all(commands.UNIX)  # whatever the batch did not reach (stalled, cut, deadline)
        if not complete:
            check = _run(transport, "command -v asterisk",
                         min(command_timeout, max(0.1, deadline - time.monotonic())))
            if check.exit_status == 0 and check.stdout.strip():
                run_all(commands.PBX)
        if any(name in outputs for name in commands.PBX):
            return "pbx", outputs
        return "unix", outputs
    if probe is not None:
        outputs[probe_name] = probe  # a shell ran the script but its uname does not look like Unix
    else:
        run_all(commands.PROBE)
        probe = outputs.get(probe_name)
    if probe is not None and _looks_unix(probe):
        # a Unix host that would not run the batch (e.g. csh without sh): one channel per command, as before
        run_all(commands.UNIX)
        check = _run(transport, "command -v asterisk", min(command_timeout, max(0.1, deadline - time.monotonic())))
        if check.exit_status == 0 and check.stdout.strip():
            run_all(commands.PBX)
            return "pbx", outputs
        return "unix", outputs
    cli: dict[str, CommandOutput] = {}
    for name, command in commands.NETWORK_CLI.items():
        left = deadline - time.monotonic()
        if left <= 0 or not transport.is_active():
            break
        cli[name] = _run(transport, command, min(command_timeout, left))
        if name == next(iter(commands.NETWORK_CLI)) and not cli[name].stdout.strip():
            break  # nothing answers "show version": not a network CLI we know
    outputs.update(cli)
    if any(o.stdout.strip() and not o.stdout.lstrip().startswith(b"%") for o in cli.values()):
        return "network_cli", outputs
    return None, outputs


def _collect_one(target: tuple[str, int], credentials: Sequence[SshCredential],
                 known: tuple[str, str] | None, timeout: float, command_timeout: float,
                 host_deadline: float, keys: _Keys | None = None, trust_new_keys: bool = False) -> SshReply:
    address, port = target
    started = time.monotonic()

    def reply(**kwargs: object) -> SshReply:
        return SshReply(address=address, port=port, elapsed=round(time.monotonic() - started, 6),
                        **kwargs)  # type: ignore[arg-type]

    try:
        transport, key = _connect(address, port, timeout, known[0] if known else None)
    except _Refused as exc:
        return reply(error=str(exc))
    key_type, key_fp = key.get_name(), fingerprint(key)
    banner = transport.remote_version
    seen = {"host_key_type": key_type, "host_key_fingerprint": key_fp, "banner": banner,
            "host_public_key": public_key_line(key)}
    try:
        if known is not None and known[1] != key_fp:
            # refuse before authenticating: nothing secret has been sent to this host
            return reply(host_key_changed=True, **seen,
                         error=f"host key changed: expected {known[1]} got {key_fp}; re-trust the device to continue")
        if known is None and not trust_new_keys:
            # no password or key goes to a host nobody has vouched for: it might be anyone's listener
            return reply(host_key_type=key_type, banner=banner,
                         error=f"host key unknown ({key_type} {key_fp}): no credentials offered; allow "
                               "trust-on-first-use for this run or scope to record it")
        if not credentials:
            return reply(**seen, error="auth failed: no credentials")
        winner: SshCredential | None = None
        problems: list[str] = []
        for credential in credentials:
            if not transport.is_active():
                # too many failures closed the session: reconnect, and check the key again
                transport.close()
                transport, key = _connect(address, port, timeout, key_type)
                if fingerprint(key) != key_fp:
                    return reply(host_key_changed=True, **seen,
                                 error=f"host key changed: expected {key_fp} got {fingerprint(key)}; "
                                       "re-trust the device to continue")
            try:
                if _authenticate(transport, credential, keys):
                    winner = credential
                    break
            except _Refused as exc:
                problems.append(str(exc))
        if winner is None:
            detail = f" ({problems[0]})" if problems else ""
            return reply(**seen, error=f"auth failed: no credential accepted, tried {len(credentials)}{detail}")
        shell, outputs = _collect_commands(transport, command_timeout, host_deadline)
        error = None if outputs else "no command could be run"
        return reply(**seen, shell=shell, outputs=outputs, credential_id=winner.id, error=error)
    except _Refused as exc:
        return reply(**seen, error=str(exc))
    finally:
        transport.close()


def ssh_collect(targets: Sequence[tuple[str, int]], credentials: Sequence[SshCredential], *,
                known_host_keys: Mapping[tuple[str, int], tuple[str, str]], timeout: float = 10.0,
                command_timeout: float = 30.0, concurrency: int = 16,
                host_deadline: float = HOST_DEADLINE, trust_new_keys: bool = False) -> Iterator[SshReply]:
    """Collect every target with a bounded thread pool; replies come back as hosts finish, in any order.

    known_host_keys maps (address, port) to the recorded (key type, SHA256 fingerprint). An unknown host gets no
    credentials (an error reply) unless trust_new_keys (trust on first use: its key is reported to be recorded);
    a known host whose key differs is refused before authentication.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ssh-collect")
    keys = _Keys()
    waiting = iter(targets)
    futures: dict[Future[SshReply], tuple[str, int]] = {}

    def submit_more() -> None:
        # hosts are started as others finish, a few ahead of the pool: a reader that stops reading stops the
        # collection (and what is held in memory) after at most that many more hosts
        while len(futures) < 2 * max(1, concurrency):
            address, port = next(waiting, (None, 0))
            if address is None:
                return
            target = (address, int(port))
            futures[pool.submit(_collect_one, target, credentials, known_host_keys.get(target), timeout,
                                command_timeout, host_deadline, keys, trust_new_keys)] = target

    try:
        submit_more()
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                target = futures.pop(future)
                try:
                    reply = future.result()
                except Exception as exc:  # a bug or a hostile server must not end the sweep
                    log.exception("SSH collection of %s failed", target[0])
                    reply = SshReply(address=target[0], port=target[1], error=f"internal error: {type(exc).__name__}")
                yield reply
            submit_more()
    finally:
        # the consumer may stop early: drop what has not started, let running hosts end on their timeouts
        pool.shutdown(wait=False, cancel_futures=True)
