"""Django-free adapter that runs Estate playbooks through ansible-runner.

Flow: ``build_private_data_dir`` lays out a private data dir for one run (project,
inventory, env files, known_hosts), ``run_playbook`` executes it, streams events,
removes the credential files and scrubs the artifacts, and returns a ``RunResult``.

Credentials never go into extravars, environment variables or the inventory:
  * a private key goes to ``env/ssh_key``; runner feeds it to ``ssh-add`` through a
    FIFO inside a throw-away ``ssh-agent`` (the key never lands in artifacts);
  * an SSH password or become password goes to ``env/passwords`` (prompt regex ->
    answer); runner's pexpect loop types it into ``ansible-playbook --ask-pass`` /
    ``--ask-become-pass``. ansible-core 2.19 then hands the SSH password to ssh through
    SSH_ASKPASS and shared memory (``password_mechanism: ssh_askpass``): no sshpass.
  * a key passphrase is used in memory to decrypt the key before it is written to
    ``env/ssh_key``, so it is never typed, stored or logged. (Answering ssh-add's prompt
    through env/passwords is unreliable: runner only searches the last 100 characters
    of output and the prompt holds the long FIFO path. It stays as a fallback for key
    formats ``cryptography`` cannot read.)
Both files are mode 0600 and deleted as soon as the run ends.

Host keys come only from discovery (``HostSpec.host_public_keys``): they are written
to a per-run ``known_hosts`` and ssh runs with ``StrictHostKeyChecking=yes`` against
that file alone, so an unknown or changed host key makes the host unreachable.

One private data dir is meant for one run: the credential files are gone afterwards.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLAYBOOKS_DIR = Path(__file__).resolve().parent.parent / "playbooks"
META_FILE = "estate_run.json"
KNOWN_HOSTS_FILE = "known_hosts"
STDOUT_CAP = 1024
REDACTED = "********"

# Prompts answered from env/passwords (runner compiles them with re.M).
SSH_PASSWORD_PROMPT = r"^SSH password:\s*?$"  # noqa: S105
BECOME_PASSWORD_PROMPT = r"^BECOME password.*:\s*?$"  # noqa: S105
# ssh-add asks "Enter passphrase for <artifact_dir>/ssh_key_data[ (comment)]: "; runner only searches
# the last 100 characters, so match the tail rather than the start of the line.
KEY_PASSPHRASE_PROMPT = r"ssh_key_data(?: \(.*\))?:\s*?$"  # noqa: S105
# A wrong passphrase makes ssh-add ask again; an empty answer makes it give up instead of hanging.
KEY_PASSPHRASE_RETRY_PROMPT = r"^Bad passphrase, try again for .*:\s*?$"  # noqa: S105

# Inventory names and addresses end up in YAML and on ssh command lines; keep them plain.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.:@\[\]-]{1,253}$")
_SAFE_USER = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}$")
_SECRET_KEY_NAME = re.compile(r"pass(word|wd|phrase)?$|secret|token|private_key|ssh_key|credential", re.I)
# Environment variables of the calling process (e.g. Django's) that must not reach artifacts/command.
_SECRET_ENV_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|ACCESS_KEY|_PASS$|DSN$")
_KEY_TYPE = re.compile(r"^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-[a-z0-9@.-]+)(-cert-v01@openssh\.com)?$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


_RESERVED_HOSTS = frozenset({"all", "ungrouped", "localhost"})  # Ansible's own names


def host_name_for(device_name: str, device_id: int, taken: set[str]) -> str:
    """The inventory name for a device: its own name (so Ansible's output names it), made plain for YAML and ssh;
    a name that is unsafe, empty or already taken gets its id appended (e.g. "Room 1 PC" -> "Room-1-PC")."""
    plain = re.sub(r"[^A-Za-z0-9_.-]+", "-", device_name or "").strip("-.")[:200] or "device"
    name = plain if plain not in taken and plain.lower() not in _RESERVED_HOSTS else f"{plain}-{device_id}"
    taken.add(name)
    return name


@dataclass
class HostSpec:
    """One inventory host. ``host_public_keys`` are OpenSSH public key lines from discovery."""

    name: str
    address: str
    port: int = 22
    user: str | None = None
    host_public_keys: list[str] = field(default_factory=list)
    connection: str = "ssh"  # "local" runs on the controller (tests, benchmarks)
    python_interpreter: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class Credentials:
    """Secrets for one run; repr hides them so they do not end up in logs."""

    private_key: str | None = field(default=None, repr=False)
    key_passphrase: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    become_password: str | None = field(default=None, repr=False)

    def values(self) -> list[str]:
        return [v for v in (self.private_key, self.key_passphrase, self.password, self.become_password) if v]


@dataclass
class HostResult:
    name: str
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0
    status: str = "unknown"  # ok | changed | failed | unreachable | skipped | unknown
    messages: list[str] = field(default_factory=list)
    estate: dict[str, Any] = field(default_factory=dict)  # this host's set_stats "estate" data


@dataclass
class RunResult:
    status: str  # successful | failed | timeout | canceled (runner's status)
    rc: int | None
    ident: str
    private_data_dir: Path
    artifact_dir: Path
    hosts: dict[str, HostResult]
    stats: dict[str, Any] | None  # playbook_on_stats event_data, None when the run never finished
    set_stats: dict[str, Any]  # run-level custom stats (set_stats per_host: false)
    event_count: int
    duration: float
    stdout_tail: str
    redacted_files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "successful"


# --------------------------------------------------------------------------- layout


def known_hosts_lines(hosts: Iterable[HostSpec]) -> list[str]:
    """known_hosts lines for the addresses ssh will actually connect to."""
    lines: list[str] = []
    for host in hosts:
        if host.connection != "ssh":
            continue
        pattern = host.address if host.port == 22 else f"[{host.address}]:{host.port}"
        for raw in host.host_public_keys:
            key_type, key_b64 = _parse_public_key(raw)
            lines.append(f"{pattern} {key_type} {key_b64}")
    return lines


def _parse_public_key(line: str) -> tuple[str, str]:
    # Accept "type base64 [comment]" and known_hosts style "host type base64".
    tokens = line.strip().split()
    for i, token in enumerate(tokens[:-1]):
        if _KEY_TYPE.match(token):
            key_b64 = tokens[i + 1]
            try:
                blob = base64.b64decode(key_b64, validate=True)
            except binascii.Error as exc:
                raise ValueError(f"host public key is not valid base64: {line[:60]!r}") from exc
            # The blob starts with the length-prefixed key type; a mismatch means a mangled key.
            if len(blob) < 4 or blob[4 : 4 + int.from_bytes(blob[:4], "big")].decode("ascii", "replace") != token:
                raise ValueError(f"host public key type does not match its blob: {line[:60]!r}")
            return token, key_b64
    raise ValueError(f"not an OpenSSH public key line: {line[:60]!r}")


def _inventory(hosts: list[HostSpec], known_hosts: Path) -> dict[str, Any]:
    host_vars: dict[str, Any] = {}
    for host in hosts:
        if not _SAFE_NAME.match(host.name) or not _SAFE_NAME.match(host.address):
            raise ValueError(f"unsafe host name or address: {host.name!r} / {host.address!r}")
        if host.user is not None and not _SAFE_USER.match(host.user):
            raise ValueError(f"unsafe user name: {host.user!r}")
        if host.connection not in ("ssh", "local"):
            raise ValueError(f"unsupported connection {host.connection!r}")
        if host.name in host_vars:
            raise ValueError(f"duplicate host name {host.name!r}")
        for key in host.variables:
            if _SECRET_KEY_NAME.search(key):
                raise ValueError(f"host variable {key!r} looks like a secret; use Credentials")
        hv: dict[str, Any] = dict(host.variables)
        hv.update(ansible_host=host.address, ansible_connection=host.connection)
        if host.connection == "ssh":
            hv["ansible_port"] = int(host.port)
            if host.user:
                hv["ansible_user"] = host.user
        # Local hosts use the controller's Python; remote ones discover theirs quietly.
        hv["ansible_python_interpreter"] = host.python_interpreter or (
            "{{ ansible_playbook_python }}" if host.connection == "local" else "auto_silent"
        )
        host_vars[host.name] = hv
    kh = shlex.quote(str(known_hosts))
    return {
        "all": {
            "hosts": host_vars,
            "vars": {
                # Trust only the keys discovery recorded; never learn or update keys.
                "ansible_ssh_common_args": (
                    f"-o UserKnownHostsFile={kh} -o GlobalKnownHostsFile=/dev/null "
                    "-o StrictHostKeyChecking=yes -o UpdateHostKeys=no -o CheckHostIP=no"
                ),
            },
        }
    }


def _check_extravars(extravars: Mapping[str, Any], secrets: list[str]) -> None:
    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, Mapping):
            for key, value in obj.items():
                if _SECRET_KEY_NAME.search(str(key)):
                    raise ValueError(f"extravar {path}{key!r} looks like a secret; use Credentials")
                walk(value, f"{path}{key}.")
        elif isinstance(obj, list | tuple):
            for item in obj:
                walk(item, path)

    walk(extravars, "")
    dumped = json.dumps(extravars, default=str)
    if any(token in dumped for token in _secret_tokens(secrets)):
        raise ValueError("extravars contain a credential value")


def _decrypt_private_key(key: str, passphrase: str) -> str | None:
    """The key without its passphrase (OpenSSH format), or None when the format is not readable here.

    Raises ValueError for a wrong passphrase, so a run never starts with a key that cannot work.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    data = key.encode()
    loader = (
        serialization.load_ssh_private_key
        if b"BEGIN OPENSSH PRIVATE KEY" in data
        else serialization.load_pem_private_key
    )
    try:
        loaded = loader(data, password=passphrase.encode())
    except UnsupportedAlgorithm:
        return None
    except (ValueError, TypeError) as exc:
        # Say nothing about the key or passphrase themselves.
        raise ValueError("cannot decrypt the private key with the given passphrase") from exc
    return loaded.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def _write_private(path: Path, text: str) -> None:
    # Created 0600 from the start so the secret is never world-readable, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def build_private_data_dir(
    base: Path,
    *,
    playbook: str,
    hosts: list[HostSpec],
    extravars: dict[str, Any] | None = None,
    check: bool = False,
    credentials: Credentials | None = None,
    forks: int = 10,
    connect_timeout: int = 10,
    project_source: Path = PLAYBOOKS_DIR,
    link_project: bool = False,
    settings: dict[str, Any] | None = None,
) -> Path:
    """Create a fresh ansible-runner private data dir under ``base`` and return it."""
    extravars = dict(extravars or {})
    credentials = credentials or Credentials()
    if "/" in playbook or not playbook.endswith((".yml", ".yaml")):
        raise ValueError(f"playbook must be a file name in {project_source}: {playbook!r}")
    if not (project_source / playbook).is_file():
        raise FileNotFoundError(project_source / playbook)
    if not hosts:
        raise ValueError("no hosts")
    _check_extravars(extravars, credentials.values())

    # Credentials first, so a wrong passphrase fails before anything is created.
    passwords: dict[str, str] = {}
    key: str | None = credentials.private_key
    if key and credentials.key_passphrase:
        decrypted = _decrypt_private_key(key, credentials.key_passphrase)
        if decrypted is None:
            passwords[KEY_PASSPHRASE_PROMPT] = credentials.key_passphrase
            passwords[KEY_PASSPHRASE_RETRY_PROMPT] = ""
        else:
            key = decrypted

    base.mkdir(parents=True, exist_ok=True)
    pdd = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    try:
        _layout(
            pdd,
            playbook,
            hosts,
            extravars,
            check,
            key,
            passwords,
            credentials,
            forks,
            connect_timeout,
            project_source,
            link_project,
            settings,
        )
    except BaseException:
        # No half-built dir: it may already hold a key.
        shutil.rmtree(pdd, ignore_errors=True)
        raise
    return pdd


def _layout(
    pdd: Path,
    playbook: str,
    hosts: list[HostSpec],
    extravars: dict[str, Any],
    check: bool,
    key: str | None,
    passwords: dict[str, str],
    credentials: Credentials,
    forks: int,
    connect_timeout: int,
    project_source: Path,
    link_project: bool,
    settings: dict[str, Any] | None,
) -> None:
    env = pdd / "env"
    (pdd / "inventory").mkdir()
    env.mkdir(mode=0o700)

    # A copy pins exactly what ran next to its artifacts; a link is cheaper for benchmarks.
    if link_project:
        (pdd / "project").symlink_to(project_source.resolve(), target_is_directory=True)
    else:
        shutil.copytree(project_source, pdd / "project", ignore=shutil.ignore_patterns("*.md", "__pycache__"))

    known_hosts = pdd / KNOWN_HOSTS_FILE
    known_hosts.write_text("".join(f"{line}\n" for line in known_hosts_lines(hosts)), encoding="utf-8")
    # JSON is valid YAML; the extension-less file is read by ansible's yaml inventory plugin.
    (pdd / "inventory" / "hosts").write_text(json.dumps(_inventory(hosts, known_hosts), indent=1), encoding="utf-8")
    (env / "extravars").write_text(json.dumps(extravars), encoding="utf-8")

    envvars = {
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_SSH_RETRIES": "0",
        "ANSIBLE_TIMEOUT": str(connect_timeout),
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_SSH_PASSWORD_MECHANISM": "ssh_askpass",
    }
    (env / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    # pexpect_timeout is also how often runner polls cancel_callback.
    runner_settings = {"pexpect_timeout": 1, "pexpect_use_poll": True, "suppress_ansible_output": True}
    runner_settings.update(settings or {})
    (env / "settings").write_text(json.dumps(runner_settings), encoding="utf-8")

    args = ["--forks", str(int(forks))]
    if key:
        _write_private(env / "ssh_key", key if key.endswith("\n") else key + "\n")
    if credentials.password:
        args.append("--ask-pass")
        passwords[SSH_PASSWORD_PROMPT] = credentials.password
    if credentials.become_password:
        args.append("--ask-become-pass")
        passwords[BECOME_PASSWORD_PROMPT] = credentials.become_password
    if passwords:
        _write_private(env / "passwords", json.dumps(passwords))
    (env / "cmdline").write_text(shlex.join(args), encoding="utf-8")

    meta = {"playbook": playbook, "check": bool(check), "hosts": [h.name for h in hosts]}
    (pdd / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


# --------------------------------------------------------------------------- secrets


def _secret_tokens(secrets: Iterable[str]) -> list[str]:
    """Every form a secret may take in text or JSON; multi-line ones (keys) also line by line."""
    tokens: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        tokens.add(secret)
        tokens.add(json.dumps(secret)[1:-1])
        if "\n" in secret:
            tokens.update(line.strip() for line in secret.splitlines() if len(line.strip()) >= 16)
            tokens.discard("-----BEGIN OPENSSH PRIVATE KEY-----")
            tokens.discard("-----END OPENSSH PRIVATE KEY-----")
    # Longest first so a short token never leaves half of a longer one behind.
    return sorted((t for t in tokens if t), key=len, reverse=True)


def _redact(obj: Any, tokens: list[str]) -> Any:
    if isinstance(obj, str):
        for token in tokens:
            if token in obj:
                obj = obj.replace(token, REDACTED)
        return obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = _redact(value, tokens)
        return obj
    if isinstance(obj, list):
        for i, value in enumerate(obj):
            obj[i] = _redact(value, tokens)
        return obj
    return obj


def scrub_artifacts(directory: Path, secrets: Iterable[str]) -> list[Path]:
    """Replace every secret found in regular files under ``directory``; return the files changed.

    Symlinks (e.g. a linked project) are not followed, FIFOs and sockets are skipped.
    """
    tokens = [t.encode() for t in _secret_tokens(secrets)]
    if not tokens:
        return []
    changed: list[Path] = []
    for root, _dirs, files in os.walk(directory, followlinks=False):
        for name in files:
            path = Path(root) / name
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            data = path.read_bytes()
            new = data
            for token in tokens:
                if token in new:
                    new = new.replace(token, REDACTED.encode())
            if new != data:
                path.write_bytes(new)
                changed.append(path)
    return changed


def _read_secrets(pdd: Path) -> list[str]:
    secrets: list[str] = []
    key = pdd / "env" / "ssh_key"
    if key.exists():
        secrets.append(key.read_text(encoding="utf-8").strip())
    passwords = pdd / "env" / "passwords"
    if passwords.exists():
        secrets.extend(v for v in json.loads(passwords.read_text(encoding="utf-8")).values() if v)
    return secrets


def _remove_secret_files(pdd: Path, artifact_dir: Path | None) -> None:
    for name in ("ssh_key", "passwords"):
        with contextlib.suppress(FileNotFoundError):
            (pdd / "env" / name).unlink()
    if artifact_dir is None:
        return
    fifo = artifact_dir / "ssh_key_data"
    if fifo.exists() and stat.S_ISFIFO(fifo.lstat().st_mode):
        # ssh-add never read it (e.g. spawn failed): drain it so runner's writer thread ends, then drop it.
        with contextlib.suppress(OSError):
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                time.sleep(0.05)
                while os.read(fd, 65536):
                    pass
            except BlockingIOError:
                pass
            finally:
                os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            fifo.unlink()


def _close_control_masters(control_dir: str | None) -> None:
    if not control_dir or not os.path.isdir(control_dir):
        return
    for name in os.listdir(control_dir):
        sock = os.path.join(control_dir, name)
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            # -O exit talks to the local master socket only; no network traffic.
            subprocess.run(
                ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "127.0.0.1"],
                capture_output=True,
                timeout=5,
                check=False,
            )
    # A master that is still exiting may unlink or create its socket while we delete: retry briefly.
    for _ in range(20):
        shutil.rmtree(control_dir, ignore_errors=True)
        if not os.path.exists(control_dir):
            break
        time.sleep(0.1)


# --------------------------------------------------------------------------- events

_STATUS_BY_EVENT = {
    "runner_on_ok": "ok",
    "runner_item_on_ok": "ok",
    "runner_on_async_ok": "ok",
    "runner_on_failed": "failed",
    "runner_item_on_failed": "failed",
    "runner_on_async_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
    "runner_item_on_skipped": "skipped",
    "runner_on_no_hosts": "skipped",
}


def summarise_event(event: Mapping[str, Any], *, stdout_cap: int = STDOUT_CAP) -> dict[str, Any]:
    """Compact, flat record of a runner event for bulk database inserts."""
    data = event.get("event_data") or {}
    etype = event.get("event") or ""
    status = _STATUS_BY_EVENT.get(etype)
    if status == "ok":
        res = data.get("res")
        if isinstance(res, dict) and res.get("changed"):
            status = "changed"
    elif status == "failed" and data.get("ignore_errors"):
        status = "ignored"
    stdout = event.get("stdout") or ""
    if "\x1b" in stdout:
        stdout = _ANSI.sub("", stdout)
    if len(stdout) > stdout_cap:
        stdout = stdout[: stdout_cap - 1] + "…"
    return {
        "counter": event.get("counter"),
        "uuid": event.get("uuid"),
        "event": etype,
        "host": data.get("host") or data.get("remote_addr"),
        "play": data.get("play"),
        "task": data.get("task"),
        "status": status,
        "stdout": stdout,
        "created": event.get("created"),
    }


def _clip(text: str, limit: int = STDOUT_CAP) -> str:
    # ssh puts the useful line ("Host key verification failed.") last, after a long banner.
    if len(text) <= limit:
        return text
    head = limit // 4
    return f"{text[:head]} … {text[-(limit - head - 3) :]}"


class _EventSink:
    """Wraps the caller's event handler: redacts secrets, keeps stats and per-host messages."""

    def __init__(self, secrets: list[str], handler: Callable[[dict], bool] | None) -> None:
        self.tokens = _secret_tokens(secrets)
        self.handler = handler
        self.count = 0
        self.stats: dict[str, Any] | None = None
        self.messages: dict[str, list[str]] = {}

    def __call__(self, event: dict) -> bool:
        self.count += 1
        # Dumping once is cheaper than walking every event when (as usual) nothing matches.
        if self.tokens:
            dumped = json.dumps(event, default=str)
            if any(t in dumped for t in self.tokens):
                _redact(event, self.tokens)
        etype = event.get("event")
        data = event.get("event_data") or {}
        if etype == "playbook_on_stats":
            self.stats = data
        elif etype in ("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed") and not data.get(
            "ignore_errors"
        ):
            res = data.get("res") or {}
            msg = res.get("msg") or res.get("stderr") or res.get("module_stderr") or etype
            host_msgs = self.messages.setdefault(str(data.get("host")), [])
            if len(host_msgs) < 20:
                host_msgs.append(f"{data.get('task')}: {_clip(str(msg))}")
        if self.handler is None:
            return True
        return bool(self.handler(event))


def _status_wrapper(handler: Callable[[dict], Any] | None) -> Callable[..., None]:
    def wrapped(status_data: dict, runner_config: Any = None) -> None:
        if status_data.get("status") == "starting" and runner_config is not None:
            # Runner copies os.environ into the child and artifacts/<ident>/command; this hook runs
            # before both, so drop the calling process's secret-looking variables here.
            env = getattr(runner_config, "env", None)
            if isinstance(env, dict):
                for key in [k for k in env if _SECRET_ENV_NAME.search(k) and not k.startswith("ANSIBLE_")]:
                    del env[key]
        if handler is not None:
            handler({k: v for k, v in status_data.items() if k != "env"})

    return wrapped


# --------------------------------------------------------------------------- run


def run_playbook(
    private_data_dir: Path,
    *,
    event_handler: Callable[[dict], bool] | None = None,
    cancel_callback: Callable[[], bool] | None = None,
    status_handler: Callable[[dict], Any] | None = None,
    timeout: int | None = None,
    check: bool | None = None,
    ident: str | None = None,
) -> RunResult:
    """Run the playbook laid out by ``build_private_data_dir``.

    ``event_handler`` gets each (already redacted) runner event; returning False keeps it out
    of artifacts/job_events. ``cancel_callback`` is polled about once a second; True cancels.
    ``check`` None uses the value given to ``build_private_data_dir``.
    """
    import ansible_runner  # heavy import, only needed when a run actually happens

    pdd = Path(private_data_dir)
    meta = json.loads((pdd / META_FILE).read_text(encoding="utf-8"))
    check = meta["check"] if check is None else check
    ident = ident or uuid.uuid4().hex
    secrets = _read_secrets(pdd)

    cmdline_file = pdd / "env" / "cmdline"
    args = shlex.split(cmdline_file.read_text(encoding="utf-8")) if cmdline_file.exists() else []
    args = [a for a in args if a not in ("--check", "-C")]
    if check:
        args.append("--check")

    # Use the ansible next to this interpreter (the venv) even when the venv is not activated;
    # runner's "binary" option would drop the playbook argument, so go through PATH instead.
    bin_dir = Path(sys.executable).parent
    path = os.environ.get("PATH", os.defpath)
    envvars = {"PATH": f"{bin_dir}{os.pathsep}{path}"} if (bin_dir / "ansible-playbook").exists() else {}
    # ControlPersist masters outlive ansible; a per-run dir keeps a master from an earlier run
    # (checked against other host keys) from being reused. Short path: unix sockets cap at 108 bytes.
    control_dir = tempfile.mkdtemp(prefix="estate-cp-")
    envvars["ANSIBLE_SSH_CONTROL_PATH_DIR"] = control_dir

    sink = _EventSink(secrets, event_handler)
    artifact_dir = pdd / "artifacts" / ident
    started = time.monotonic()
    try:
        runner = ansible_runner.run(
            private_data_dir=str(pdd),
            playbook=meta["playbook"],
            ident=ident,
            cmdline=shlex.join(args),
            envvars=envvars,
            event_handler=sink,
            cancel_callback=cancel_callback,
            status_handler=_status_wrapper(status_handler),
            timeout=timeout,
            quiet=True,
            # Never let runner write kwargs (passwords, ssh_key) into env/ on its own.
            suppress_env_files=True,
        )
    finally:
        _remove_secret_files(pdd, artifact_dir)
        _close_control_masters(control_dir)
    duration = time.monotonic() - started

    redacted = scrub_artifacts(pdd, secrets)
    stdout_tail = ""
    stdout_path = artifact_dir / "stdout"
    if stdout_path.exists():
        with stdout_path.open("rb") as fh:
            fh.seek(max(0, stdout_path.stat().st_size - 4096))
            stdout_tail = fh.read().decode("utf-8", "replace")

    stats = sink.stats
    set_stats = dict((stats or {}).get("artifact_data") or {})
    hosts = _host_results(meta.get("hosts", []), stats, set_stats, sink.messages)
    return RunResult(
        status=runner.status,
        rc=runner.rc,
        ident=ident,
        private_data_dir=pdd,
        artifact_dir=artifact_dir,
        hosts=hosts,
        stats=stats,
        set_stats=set_stats,
        event_count=sink.count,
        duration=duration,
        stdout_tail=stdout_tail,
        redacted_files=redacted,
    )


def _host_results(
    names: list[str], stats: dict[str, Any] | None, set_stats: dict[str, Any], messages: dict[str, list[str]]
) -> dict[str, HostResult]:
    counters = {
        "ok": "ok",
        "changed": "changed",
        "failures": "failed",
        "dark": "unreachable",
        "skipped": "skipped",
        "rescued": "rescued",
        "ignored": "ignored",
    }
    estate = set_stats.get("estate") if isinstance(set_stats.get("estate"), dict) else {}
    results = {name: HostResult(name=name) for name in names}
    for key, attr in counters.items():
        for host, count in ((stats or {}).get(key) or {}).items():
            setattr(results.setdefault(host, HostResult(name=host)), attr, int(count))
    for host, result in results.items():
        result.messages = messages.get(host, [])
        result.estate = estate.get(host) or {}
        if stats is None:
            continue  # canceled/timed out: counters unknown
        if result.unreachable:
            result.status = "unreachable"
        elif result.failed:
            result.status = "failed"
        elif result.changed:
            result.status = "changed"
        elif result.ok:
            result.status = "ok"
        elif result.skipped:
            result.status = "skipped"
    return results
