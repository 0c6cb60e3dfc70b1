"""A real OpenSSH server on a free loopback port, for end-to-end tests that
need a VM to answer SSH (the mock cloud's MockSSHAccessPoint points its VMs
here, and MockAuthorizedKeysFile at .authorized_keys).

    with Sshd(tmpdir) as s:
        s.port, s.host_key, s.authorized_keys, s.user
        s.restart(new_host_key=True)   # same port, another host key

The server runs as the test's own user with its own config, host key and
authorized_keys file in a directory under tmpdir; nothing outside it is
touched but /run/sshd (sshd's privilege-separation directory, made when
missing).  It is killed when the test process dies (PR_SET_PDEATHSIG).
"""
import ctypes
import ctypes.util
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time

SSHD = "/usr/sbin/sshd"
PR_SET_PDEATHSIG = 1
# Loaded here, not in the forked child: loading a library after fork can
# deadlock when the test has threads.
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                    use_errno=True)


def available():
    """Whether sshd and ssh-keygen are installed (openssh-server)."""
    return os.access(SSHD, os.X_OK) and shutil.which("ssh-keygen") is not None


def _die_with_parent():
    # Runs in the child between fork and exec: if the test process dies
    # without stopping us, the kernel sends SIGKILL.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path, kind="ed25519", pem=False, comment=""):
    """Make a key pair at path / path.pub without a passphrase."""
    for p in (path, path + ".pub"):
        if os.path.exists(p):
            os.unlink(p)
    argv = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", comment,
            "-f", path]
    if kind == "rsa":
        argv[4:4] = ["-b", "2048"]
    if pem:
        argv[4:4] = ["-m", "PEM"]
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)


def read_pub(path):
    """The "<type> <base64>" of an OpenSSH .pub file, without comment."""
    with open(path) as f:
        return " ".join(f.read().split()[:2])


class Sshd:
    """An sshd listening on 127.0.0.1:.port; use as a context manager or
    call stop()."""

    def __init__(self, tmpdir, port=None):
        self.dir = os.path.join(tmpdir, "sshd")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or _free_port()
        self.user = getpass.getuser()
        self.authorized_keys = os.path.join(self.dir, "authorized_keys")
        self.host_key_path = os.path.join(self.dir, "host_key")
        self.config = os.path.join(self.dir, "sshd_config")
        self.log_path = os.path.join(self.dir, "sshd.log")
        self.proc = None
        self.host_key = None
        open(self.authorized_keys, "a").close()
        os.chmod(self.authorized_keys, 0o600)
        self._new_host_key()
        with open(self.config, "w") as f:
            f.write(f"ListenAddress 127.0.0.1:{self.port}\n"
                    f"HostKey {self.host_key_path}\n"
                    f"AuthorizedKeysFile {self.authorized_keys}\n"
                    f"PidFile {self.dir}/sshd.pid\n"
                    "StrictModes no\nUsePAM no\n"
                    "PasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\n"
                    "PubkeyAuthentication yes\n"
                    "PermitRootLogin prohibit-password\n"
                    "Subsystem sftp internal-sftp\n"
                    "MaxStartups 200\nMaxSessions 100\n"
                    "LogLevel VERBOSE\n")

    def _new_host_key(self):
        keygen(self.host_key_path, "ed25519", comment="spider-test-host")
        self.host_key = read_pub(self.host_key_path + ".pub")

    def start(self, timeout=10):
        if not available():
            raise RuntimeError(f"{SSHD} is missing: install openssh-server "
                               "(scripts/deps.sh does)")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", self.config],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._banner():
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("sshd did not start:\n" + self.log())

    def _banner(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port),
                                          timeout=1) as s:
                return s.recv(64).startswith(b"SSH-2.0-")
        except OSError:
            return False

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, new_host_key=False):
        """Stop and start again on the same port, with a new host key if
        asked (a VM rebuilt behind the same address)."""
        self.stop()
        if new_host_key:
            self._new_host_key()
        return self.start()

    def authorize(self, public_key):
        """Append one public key line to authorized_keys."""
        with open(self.authorized_keys, "a") as f:
            f.write(public_key.rstrip("\n") + "\n")

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
