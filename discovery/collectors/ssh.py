"""SSH collector: runs the read-only commands of discovery.commands on each host. I/O only, nothing parsed.

Host keys are trust-on-first-use and checked BEFORE any authentication: paramiko.Transport is driven by hand
(start_client, get_remote_server_key), so a changed key means no password or key is ever offered.
Secrets (passwords, private keys, passphrases) are never logged and never put in error strings.

On a POSIX shell every command runs in ONE exec channel: a small sh script prints a random boundary marker before
each command's output and after it its exit status and stderr, with a per-command time limit (timeout(1) when the
host has it, a client-side watchdog always) and a per-command output cap (head -c). One channel costs one sshd
session fork instead of a dozen. A host that does not run the script (network CLI, PBX shell, csh without sh, an
odd server) is collected the old way: the probe, then one channel per command.
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
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
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
    if preferred_key_type:
        # ask for the recorded key type first, so a server with several host keys shows the one we know
        options = transport.get_security_options()
        wanted = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") if preferred_key_type == "ssh-rsa" else (
            preferred_key_type,)
        options.key_types = tuple(k for k in wanted if k in options.key_types) + tuple(
            k for k in options.key_types if k not in wanted)
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


def _answer_with(password: str) -> Callable[[str, str, list[tuple[str, bool]]], list[str]]:
    """keyboard-interactive handler that answers every prompt with the password."""
    return lambda _title, _instructions, prompts: [password for _ in prompts]


def _authenticate(transport: paramiko.Transport, credential: SshCredential) -> bool:
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
                transport.auth_publickey(credential.username, _load_key(credential.private_key, credential.passphrase))
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


def _batch_script(named: Mapping[str, str], boundary: str, command_timeout: float, cap: int,
                  pbx: Mapping[str, str]) -> str:
    """One POSIX sh command line running every command, each framed by boundary markers.

    Per command: "B OUT name\\n" stdout "\\nB RC name status\\n" stderr "\\nB DONE name\\n"; "B END\\n" closes it.
    stdout and stderr are cut at cap+1 bytes (one more than kept, so a cut shows); stdin is /dev/null.
    """
    limit = max(1, math.ceil(command_timeout))
    keep = cap + 1
    # every fork+exec here costs the host ~2-3 ms of CPU: builtins where they do (read, [ -s ]), eval when there
    # is no timeout(1) to run the command under (the pipeline's subshell already isolates it)
    run = " ".join(["r() {",
                    'printf "%s OUT %s\\n" "$B" "$1";',
                    '{ if [ -n "$w" ]; then $w sh -c "$2"; else eval "$2"; fi </dev/null 2>"$d/e"; echo $? >"$d/s"; }',
                    '| $c;',
                    's=; read -r s <"$d/s";',
                    'printf "\\n%s RC %s %s\\n" "$B" "$1" "$s";',
                    '[ -s "$d/e" ] && $c <"$d/e";',
                    'printf "\\n%s DONE %s\\n" "$B" "$1";',
                    "}"])
    lines = [
        "umask 077",
        f"B={boundary}",
        # stderr and the exit status go through files in a private directory; the random name is the fallback
        'd=$(mktemp -d 2>/dev/null) || { d="${TMPDIR:-/tmp}/.estate-$B"; mkdir -m 700 "$d"; }',
        "trap 'rm -rf \"$d\"' EXIT",
        f"if timeout -k 2 1 true >/dev/null 2>&1; then w='timeout -k 2 {limit}'; "
        f"elif timeout 1 true >/dev/null 2>&1; then w='timeout {limit}'; else w=; fi",
        f"if head -c 1 </dev/null >/dev/null 2>&1; then c='head -c {keep}'; else c=cat; fi",
        run,
        *(f"r {name} {shlex.quote(command)}" for name, command in named.items()),
    ]
    if pbx:
        pbx_runs = "; ".join(f"r {name} {shlex.quote(command)}" for name, command in pbx.items())
        lines.append(f"if command -v asterisk >/dev/null 2>&1; then {pbx_runs}; fi")
    lines.append('printf "%s END\\n" "$B"')
    return "; ".join(lines)


def _exit_status(text: bytes) -> int | None:
    try:
        status = int(text.strip())
    except ValueError:
        return None
    # 124: timeout(1) ran out; 137: it had to KILL; both mean the command did not finish
    return None if status in (124, 137) else status


def _split_batch(data: bytes, boundary: bytes, named: Mapping[str, str],
                 cap: int) -> tuple[dict[str, CommandOutput], bool]:
    """Outputs by name from the batch's stdout, and whether the script reached its end."""
    outputs: dict[str, CommandOutput] = {}
    opening = re.compile(re.escape(boundary) + rb" OUT ([a-z0-9_]{1,64})\n")
    pos = 0
    while True:
        match = opening.search(data, pos)
        if match is None:
            break
        name = match.group(1).decode()
        if name not in named or name in outputs:
            break  # not a section the script prints: stop rather than guess
        command, start = named[name], match.end()
        rc_marker = b"\n" + boundary + b" RC " + match.group(1) + b" "
        rc_at = data.find(rc_marker, start)
        if rc_at < 0:  # cut inside this command's stdout
            outputs[name] = CommandOutput(command=command, exit_status=None, stdout=data[start:start + cap])
            break
        status_end = data.find(b"\n", rc_at + len(rc_marker))
        done_marker = b"\n" + boundary + b" DONE " + match.group(1) + b"\n"
        done_at = data.find(done_marker, status_end + 1) if status_end >= 0 else -1
        stdout = data[start:rc_at]
        stderr = data[status_end + 1:done_at] if done_at >= 0 else data[status_end + 1:] if status_end >= 0 else b""
        status = _exit_status(data[rc_at + len(rc_marker):status_end]) if status_end >= 0 else None
        if done_at < 0 or len(stdout) > cap or len(stderr) > cap:
            status = None  # cut by the cap or by the stream ending: unfinished, as a single command would be
        outputs[name] = CommandOutput(command=command, exit_status=status, stdout=stdout[:cap], stderr=stderr[:cap])
        if done_at < 0:
            break
        pos = done_at + len(done_marker)
    return outputs, data.endswith(boundary + b" END\n")


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
    stdout = bytearray()
    progress = time.monotonic()
    seen_markers = 0
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
                break  # EOF: the script ended (or the host closed the channel)
            if chunk:
                scan_from = max(0, len(stdout) - len(marker))
                stdout += chunk
                markers = stdout.count(marker, scan_from)
                if markers:
                    seen_markers += markers
                    progress = time.monotonic()
            while channel.recv_stderr_ready():
                channel.recv_stderr(65536)  # the script's own complaints: not kept, but drained
            now = time.monotonic()
            if len(stdout) > total_cap or now > deadline:
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
    return _split_batch(bytes(stdout), marker, named, cap)


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
                 host_deadline: float) -> SshReply:
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
                if _authenticate(transport, credential):
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
                host_deadline: float = HOST_DEADLINE) -> Iterator[SshReply]:
    """Collect every target with a bounded thread pool; replies come back as hosts finish, in any order.

    known_host_keys maps (address, port) to the recorded (key type, SHA256 fingerprint). An unknown host is
    trusted on first use and its key reported; a known host whose key differs is refused before authentication.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ssh-collect")
    futures: dict[Future[SshReply], tuple[str, int]] = {}
    try:
        for address, port in targets:
            target = (address, int(port))
            futures[pool.submit(_collect_one, target, credentials, known_host_keys.get(target), timeout,
                                command_timeout, host_deadline)] = target
        for future in as_completed(futures):
            target = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # a bug or a hostile server must not end the sweep
                log.exception("SSH collection of %s failed", target[0])
                yield SshReply(address=target[0], port=target[1], error=f"internal error: {type(exc).__name__}")
    finally:
        # the consumer may stop early: drop what has not started, let running hosts end on their timeouts
        pool.shutdown(wait=False, cancel_futures=True)
