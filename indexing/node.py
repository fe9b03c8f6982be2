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

from core.settings import Settings

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
    """What ``node.json`` records about one started node."""

    url: str
    http_port: int
    transport_port: int
    pid: int
    version: str
    name: str = "raqib-local"


@dataclass
class ClusterInfo:
    """The local cluster: its nodes (one, or ``raqib es up --nodes N``)."""

    nodes: list[NodeInfo]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    @property
    def version(self) -> str:
        return self.nodes[0].version

    @property
    def pid(self) -> int:
        return self.nodes[0].pid


def es_version(settings: Settings) -> str:
    """The server version to run: ``RAQIB_ES_VERSION`` or the Python client's own version."""
    return settings.es_version or elasticsearch.__versionstr__


def cache_dir(settings: Settings) -> Path:
    """``$XDG_CACHE_HOME/raqib/elasticsearch`` (``~/.cache`` by default), outside any clone."""
    return settings.cache_dir / "raqib" / "elasticsearch"


def node_dir(settings: Settings) -> Path:
    return settings.home / "elasticsearch"


def _state_file(settings: Settings) -> Path:
    return node_dir(settings) / "node.json"


def read_state(settings: Settings) -> ClusterInfo | None:
    """The recorded local cluster, or None if none was ever started under this home."""
    try:
        data = json.loads(_state_file(settings).read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        if "nodes" not in data:  # written by a single-node Raqib before clusters
            return ClusterInfo([NodeInfo(**data)])
        return ClusterInfo([NodeInfo(**n) for n in data["nodes"]])
    except TypeError:
        return None


def local_urls(settings: Settings) -> list[str]:
    """URLs of every node of the local cluster recorded under ``$RAQIB_HOME``."""
    state = read_state(settings)
    return state.urls if state else []


def local_url(settings: Settings) -> str | None:
    """URL of the local cluster's first node, if any."""
    urls = local_urls(settings)
    return urls[0] if urls else None


# ------------------------------------------------------------------ download
def fetch_distribution(settings: Settings, version: str,
                       log: Callable[[str], None] = print) -> Path:
    """Return the cached zip for ``version``, downloading it with Maven if needed."""
    cache = cache_dir(settings)
    target = cache / f"elasticsearch-{version}.zip"
    if target.exists():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise NodeError("Maven (mvn) not found: it is needed to download Elasticsearch.")
    log(f"Downloading Elasticsearch {version} with Maven (once; cached in {cache}) …")
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT.format(version=version)}",
           f"-DoutputDirectory={cache}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cache)
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


def _java_home(settings: Settings) -> str:
    candidate = settings.es_java_home
    if candidate and (Path(candidate) / "bin" / "java").exists():
        return candidate
    java = shutil.which("java")
    if not java:
        raise NodeError("Java not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk).")
    return str(Path(java).resolve().parent.parent)


def _write_config(es_home: Path, base: Path, http_port: int, transport_port: int,
                  heap: str, name: str = "raqib-local", seeds: list[str] | None = None,
                  masters: list[str] | None = None) -> Path:
    """The node's config folder; ``seeds``/``masters`` form a multi-node cluster."""
    conf = base / "config"
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(es_home / "config", conf)
    if seeds:
        discovery = [f"discovery.seed_hosts: [{', '.join(seeds)}]",
                     f"cluster.initial_master_nodes: [{', '.join(masters or [])}]"]
    else:
        discovery = ["discovery.type: single-node"]
    (conf / "elasticsearch.yml").write_text(
        "\n".join([
            "cluster.name: raqib-local",
            f"node.name: {name}",
            "network.host: 127.0.0.1",
            f"http.port: {http_port}",
            f"transport.port: {transport_port}",
            *discovery,
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
    """The last lines of the node logs (every node's, for a cluster)."""
    tails = []
    for log in sorted(node_dir(settings).glob("**/logs/raqib-local.log")):
        try:
            text = "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            continue
        tails.append(text if len(tails) == 0 and log.parent.parent == node_dir(settings)
                     else f"--- {log.parent.parent.name} ---\n{text}")
    return "\n".join(tails)


def _cause_from_log(tail: str) -> str:
    if "BindException" in tail or "Address already in use" in tail:
        return "port in use: another process holds the node's port"
    if "UnsupportedClassVersionError" in tail or "requires Java" in tail:
        return "Java is too old: Elasticsearch 8 needs Java 17 or newer"
    if "OutOfMemoryError" in tail:
        return "out of memory: lower RAQIB_ES_HEAP"
    return "the node exited during start-up (see its log above)"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _health(url: str, timeout: float = 2.0, nodes: int = 1) -> str | None:
    """The cluster's health once ``nodes`` nodes have joined it, else None."""
    try:
        client = elasticsearch.Elasticsearch(url, request_timeout=timeout, max_retries=0)
        health = client.cluster.health()
        return health["status"] if health["number_of_nodes"] >= nodes else None
    except Exception:
        return None


def _node_dirs(base: Path, count: int) -> list[tuple[str, Path]]:
    """(node name, folder) of each node: the base folder itself for a single node."""
    if count == 1:
        return [("raqib-local", base)]
    return [(f"raqib-local-{k}", base / f"node-{k}") for k in range(1, count + 1)]


def _healthy(state: ClusterInfo) -> bool:
    return all(pid_alive(n.pid) for n in state.nodes) and _health(state.url) is not None


def ensure_up(settings: Settings, timeout: float = 120.0, log: Callable[[str], None] = print,
              nodes: int = 1) -> ClusterInfo:
    """Start the local cluster (``nodes`` nodes) unless it runs; wait for yellow/green."""
    if nodes < 1:
        raise NodeError("a cluster needs at least one node")
    state = read_state(settings)
    if state and _healthy(state):
        if len(state.nodes) != nodes:
            raise NodeError(f"a local cluster of {len(state.nodes)} node(s) is running under "
                            f"{settings.home}: `raqib es down` first to start {nodes}")
        return state
    if state:
        stop(settings)  # some nodes died: start the whole cluster again (data is kept)
    java_home = _java_home(settings)
    version = es_version(settings)
    base = _prepare_node_dir(settings, log)
    es_home = _unpack(fetch_distribution(settings, version, log), base, version)
    previous = state.nodes if state and len(state.nodes) == nodes else []
    layout = _node_dirs(base, nodes)
    ports: list[tuple[int, int]] = []
    for k in range(nodes):
        old = previous[k] if previous else None
        ports.append((_free_port(old.http_port if old else 9200 + k),
                      _free_port(old.transport_port if old else 9300 + k)))
    seeds = [f"127.0.0.1:{t}" for _, t in ports] if nodes > 1 else None
    masters = [name for name, _ in layout] if nodes > 1 else None
    confs = []
    for (name, folder), (http_port, transport_port) in zip(layout, ports, strict=True):
        folder.mkdir(parents=True, exist_ok=True)
        confs.append(_write_config(es_home, folder, http_port, transport_port, settings.es_heap,
                                   name, seeds, masters))
        for sub in ("data", "logs"):
            (folder / sub).mkdir(exist_ok=True)
        (folder / "elasticsearch.pid").unlink(missing_ok=True)
    _hand_over(base)
    started: list[NodeInfo] = []
    for (name, folder), (http_port, transport_port), conf in zip(layout, ports, confs,
                                                                  strict=True):
        env = {**os.environ, "ES_JAVA_HOME": java_home, "ES_PATH_CONF": str(conf)}
        env.pop("ES_JAVA_OPTS", None)
        log(f"Starting Elasticsearch {version} ({name}) on 127.0.0.1:{http_port} "
            f"(heap {settings.es_heap}) …")
        pid_file = folder / "elasticsearch.pid"
        proc = subprocess.run([str(es_home / "bin" / "elasticsearch"), "-d", "-p", str(pid_file)],
                              cwd=folder, env=env, capture_output=True, text=True, **_run_as())
        if proc.returncode != 0:
            tail = log_tail(settings) or (proc.stdout + proc.stderr)[-3000:]
            for node in started:
                _kill(node.pid)
            raise NodeError(_cause_from_log(tail), tail)
        started.append(NodeInfo(url=f"http://127.0.0.1:{http_port}", http_port=http_port,
                                transport_port=transport_port,
                                pid=int(pid_file.read_text().strip()), version=version,
                                name=name))
    info = ClusterInfo(started)
    _state_file(settings).write_text(json.dumps({"nodes": [asdict(n) for n in started]}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health(info.url, nodes=nodes) in ("yellow", "green"):
            return info
        if not all(pid_alive(n.pid) for n in started):
            tail = log_tail(settings)
            raise NodeError(_cause_from_log(tail), tail)
        time.sleep(0.5)
    raise NodeError(f"timed out after {timeout:.0f}s waiting for cluster health",
                    log_tail(settings))


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Stop every local node gracefully (SIGTERM, then SIGKILL). True if one was running."""
    state = read_state(settings)
    alive = [n for n in state.nodes if pid_alive(n.pid)] if state else []
    for node in alive:
        _kill(node.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(pid_alive(n.pid) for n in alive):
        time.sleep(0.2)
        for node in alive:
            with contextlib.suppress(ChildProcessError):  # reap it if it is our child
                os.waitpid(node.pid, os.WNOHANG)
    for node in alive:
        if pid_alive(node.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(node.pid, signal.SIGKILL)
    return bool(alive)
