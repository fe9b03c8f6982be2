"""A local single-node Elasticsearch for development, tests and ``raqib demo``.

The minimal distribution (``integ-test-zip``) is fetched from Maven Central with
``mvn dependency:copy`` so that the machine's Maven mirror settings apply, cached
under ``~/.cache/raqib/elasticsearch``, unpacked under ``$RAQIB_HOME/elasticsearch``
and started detached on the machine's Java 17, bound to 127.0.0.1 with security
off. Elasticsearch refuses to run as root, so when we are root the node runs as
the unprivileged user ``nobody`` (and its files move to ``/var/lib/raqib`` when
``nobody`` cannot enter ``$RAQIB_HOME``, see :func:`_prepare_node_dir`).

State lives in ``$RAQIB_HOME/elasticsearch/node.json`` (url, ports, pid, version).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import elasticsearch

from raqib.settings import Settings

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
RUN_AS_WHEN_ROOT = "nobody"
SHARED_NODE_ROOT = Path("/var/lib/raqib")  # when nobody cannot enter RAQIB_HOME


class NodeError(RuntimeError):
    """The node could not be fetched or started; ``log_tail`` holds the node's last log lines."""

    def __init__(self, cause: str, log_tail: str = "") -> None:
        super().__init__(cause)
        self.log_tail = log_tail


@dataclass
class NodeInfo:
    """What ``node.json`` records about a started node."""

    url: str
    http_port: int
    transport_port: int
    pid: int
    version: str


@dataclass
class NodeStatus:
    """What ``raqib es status`` prints."""

    url: str | None
    external: bool
    reachable: bool
    version: str | None = None
    health: str | None = None
    articles: int | None = None
    error: str | None = None


def es_version() -> str:
    """The server version to run: ``RAQIB_ES_VERSION`` or the Python client's own version."""
    return os.environ.get("RAQIB_ES_VERSION") or elasticsearch.__versionstr__


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "raqib" / "elasticsearch"


def node_dir(settings: Settings) -> Path:
    return settings.home / "elasticsearch"


def _state_file(settings: Settings) -> Path:
    return node_dir(settings) / "node.json"


def read_state(settings: Settings) -> NodeInfo | None:
    """The recorded node, or None if none was ever started under this home."""
    try:
        return NodeInfo(**json.loads(_state_file(settings).read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def local_url(settings: Settings) -> str | None:
    """URL of the local node recorded under ``$RAQIB_HOME``, if any."""
    state = read_state(settings)
    return state.url if state else None


# ------------------------------------------------------------------ download
def fetch_distribution(version: str, log: Callable[[str], None] = print) -> Path:
    """Return the cached zip for ``version``, downloading it with Maven if needed."""
    target = cache_dir() / f"elasticsearch-{version}.zip"
    if target.exists():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise NodeError("Maven (mvn) not found: it is needed to download Elasticsearch.")
    log(f"Downloading Elasticsearch {version} with Maven (once; cached in {cache_dir()}) …")
    cache_dir().mkdir(parents=True, exist_ok=True)
    cmd = [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT.format(version=version)}",
           f"-DoutputDirectory={cache_dir()}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cache_dir())
    if proc.returncode != 0 or not target.exists():
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        artifact = ARTIFACT.format(version=version)
        raise NodeError(f"download failed: Maven could not fetch {artifact}", tail)
    return target


def _unpack(zip_path: Path, dest: Path, version: str) -> Path:
    home = dest / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    tmp = dest / f".unpack-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as zf:
        for member in zf.infolist():
            path = Path(zf.extract(member, tmp))
            mode = member.external_attr >> 16  # zip keeps the unix mode here
            if mode and not member.is_dir():
                path.chmod(mode & 0o777)
    (tmp / f"elasticsearch-{version}").rename(home)
    tmp.rmdir()
    return home


# ------------------------------------------------------------------ start
def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise NodeError("no free port on 127.0.0.1")


def _java_home() -> str:
    for candidate in (os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME")):
        if candidate and (Path(candidate) / "bin" / "java").exists():
            return candidate
    java = shutil.which("java")
    if not java:
        raise NodeError("Java not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk).")
    return str(Path(java).resolve().parent.parent)


def _write_config(es_home: Path, base: Path, http_port: int, transport_port: int,
                  heap: str) -> Path:
    conf = base / "config"
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(es_home / "config", conf)
    (conf / "elasticsearch.yml").write_text(
        "\n".join([
            "cluster.name: raqib-local",
            "node.name: raqib-local",
            "network.host: 127.0.0.1",
            f"http.port: {http_port}",
            f"transport.port: {transport_port}",
            "discovery.type: single-node",
            "xpack.security.enabled: false",
            "xpack.ml.enabled: false",
            "action.destructive_requires_name: false",
            "cluster.routing.allocation.disk.threshold_enabled: false",
            f"path.data: {base / 'data'}",
            f"path.logs: {base / 'logs'}",
            "",
        ])
    )
    (conf / "jvm.options.d").mkdir(exist_ok=True)
    (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
    return conf


def _run_as() -> dict:
    """Popen arguments that drop root to ``nobody`` (Elasticsearch refuses root)."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam(RUN_AS_WHEN_ROOT)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _reachable_by_nobody(path: Path) -> bool:
    return all(os.stat(parent).st_mode & 0o001 for parent in path.parents)


def _prepare_node_dir(settings: Settings, log: Callable[[str], None]) -> Path:
    """``$RAQIB_HOME/elasticsearch``, created; the real (resolved) path is returned.

    When we are root the node runs as ``nobody``, who cannot enter a private folder
    such as a ``mktemp -d`` checkout. The node's files then live in
    ``/var/lib/raqib/es-<hash of RAQIB_HOME>`` and ``$RAQIB_HOME/elasticsearch``
    links there, so everything is still found under ``$RAQIB_HOME``.
    """
    base = node_dir(settings)
    base.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0 and not base.exists() and not _reachable_by_nobody(base):
        key = hashlib.sha1(str(settings.home).encode()).hexdigest()[:12]
        real = SHARED_NODE_ROOT / f"es-{key}"
        real.mkdir(parents=True, exist_ok=True)
        SHARED_NODE_ROOT.chmod(0o755)
        base.symlink_to(real, target_is_directory=True)
        log(f"'{RUN_AS_WHEN_ROOT}' (who runs Elasticsearch when we are root) cannot enter "
            f"{settings.home}: the node's files live in {real}, linked from {base}.")
    base.mkdir(parents=True, exist_ok=True)
    return base.resolve()


def _hand_over(base: Path) -> None:
    """Give the node's folder to the unprivileged user and check it can reach it."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(RUN_AS_WHEN_ROOT)
    for path in [base, *base.rglob("*")]:
        os.lchown(path, user.pw_uid, user.pw_gid)
    if not _reachable_by_nobody(base):
        raise NodeError(
            f"{base} is not reachable by '{RUN_AS_WHEN_ROOT}', who runs Elasticsearch when "
            f"we are root: choose a RAQIB_HOME elsewhere or let others enter its folders."
        )


def log_tail(settings: Settings, lines: int = 30) -> str:
    log = node_dir(settings) / "logs" / "raqib-local.log"
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def _cause_from_log(tail: str) -> str:
    if "BindException" in tail or "Address already in use" in tail:
        return "port in use: another process holds the node's port"
    if "UnsupportedClassVersionError" in tail or "requires Java" in tail:
        return "Java is too old: Elasticsearch 8 needs Java 17 or newer"
    if "OutOfMemoryError" in tail:
        return "out of memory: lower RAQIB_ES_HEAP"
    return "the node exited during start-up (see its log above)"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _health(url: str, timeout: float = 2.0) -> str | None:
    try:
        client = elasticsearch.Elasticsearch(url, request_timeout=timeout, max_retries=0)
        return client.cluster.health()["status"]
    except Exception:
        return None


def ensure_up(settings: Settings, timeout: float = 120.0,
              log: Callable[[str], None] = print) -> NodeInfo:
    """Start the local node unless it already runs; wait for yellow/green health."""
    state = read_state(settings)
    if state and _pid_alive(state.pid) and _health(state.url):
        return state
    java_home = _java_home()
    version = es_version()
    base = _prepare_node_dir(settings, log)
    es_home = _unpack(fetch_distribution(version, log), base, version)
    http_port = _free_port(state.http_port if state else 9200)
    transport_port = _free_port(state.transport_port if state else 9300)
    conf = _write_config(es_home, base, http_port, transport_port, settings.es_heap)
    for sub in ("data", "logs"):
        (base / sub).mkdir(exist_ok=True)
    pid_file = base / "elasticsearch.pid"
    pid_file.unlink(missing_ok=True)
    _hand_over(base)
    env = {**os.environ, "ES_JAVA_HOME": java_home, "ES_PATH_CONF": str(conf)}
    env.pop("ES_JAVA_OPTS", None)
    log(f"Starting Elasticsearch {version} on 127.0.0.1:{http_port} (heap {settings.es_heap}) …")
    proc = subprocess.run([str(es_home / "bin" / "elasticsearch"), "-d", "-p", str(pid_file)],
                          cwd=base, env=env, capture_output=True, text=True, **_run_as())
    url = f"http://127.0.0.1:{http_port}"
    if proc.returncode != 0:
        tail = log_tail(settings) or (proc.stdout + proc.stderr)[-3000:]
        raise NodeError(_cause_from_log(tail), tail)
    pid = int(pid_file.read_text().strip())
    info = NodeInfo(url=url, http_port=http_port, transport_port=transport_port, pid=pid,
                    version=version)
    _state_file(settings).write_text(json.dumps(asdict(info)))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health(url) in ("yellow", "green"):
            return info
        if not _pid_alive(pid):
            tail = log_tail(settings)
            raise NodeError(_cause_from_log(tail), tail)
        time.sleep(0.5)
    raise NodeError(f"timed out after {timeout:.0f}s waiting for cluster health",
                    log_tail(settings))


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Stop the local node gracefully (SIGTERM, then SIGKILL). True if one was running."""
    state = read_state(settings)
    if not state or not _pid_alive(state.pid):
        return False
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(state.pid):
        time.sleep(0.2)
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(state.pid, os.WNOHANG)
    if _pid_alive(state.pid):
        os.kill(state.pid, signal.SIGKILL)
    return True


def status(settings: Settings) -> NodeStatus:
    """URL, version, health and article count of the configured cluster."""
    from indexing.client import get_client
    from indexing.templates import ALIAS

    external = bool(settings.es_url)
    url = settings.es_url or local_url(settings)
    if not url:
        return NodeStatus(url=None, external=False, reachable=False,
                          error="no local node was ever started: run `raqib es up`")
    state = read_state(settings)
    if not external and state and not _pid_alive(state.pid):
        return NodeStatus(url=url, external=False, reachable=False)
    try:
        client = get_client(settings, request_timeout=5)
        health = client.cluster.health()["status"]
        nodes = client.nodes.info(node_id="_all", metric="_none")["nodes"]
        version = sorted({n["version"] for n in nodes.values()})
        count = 0
        if client.indices.exists_alias(name=ALIAS):
            count = client.count(index=ALIAS)["count"]
    except elasticsearch.ApiError as exc:
        return NodeStatus(url=url, external=external, reachable=False, error=str(exc.message))
    except elasticsearch.TransportError as exc:
        return NodeStatus(url=url, external=external, reachable=False, error=str(exc))
    return NodeStatus(url=url, external=external, reachable=True, version=", ".join(version),
                      health=health, articles=count)
