"""The mock cloud's SSH hooks: MockSSHAccessPoint points every VM of a
connection at a real sshd on loopback, and MockAuthorizedKeysFile gets the
public key of each VM's key pair, so the private key from the key pair
create logs in with the Debian ssh client (docs/api.md, drivers/mock)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from res_util import ResTestCase  # noqa: E402
import sshd_util  # noqa: E402

C = "mock-ssh-conn"


@unittest.skipUnless(sshd_util.available() and shutil.which("ssh"),
                     "needs openssh-server and openssh-client "
                     "(scripts/deps.sh installs them)")
class MockSshTest(ResTestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="spider-e2e-ssh-")
        cls.sshd = sshd_util.Sshd(cls.tmp).start()
        cls.access_point = f"127.0.0.1:{cls.sshd.port}"
        cls.CONNECTIONS = [(C, "mock-ssh", (
            ("MockSSHAccessPoint", cls.access_point),
            ("MockAuthorizedKeysFile", cls.sshd.authorized_keys)), ())]
        try:
            super().setUpClass()
        except BaseException:
            cls.sshd.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.sshd.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def ssh(self, key_path, *command):
        return subprocess.run(
            ["ssh", "-i", key_path, "-p", str(self.sshd.port),
             "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null",
             "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
             "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
             f"{self.sshd.user}@127.0.0.1", *command],
            capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL)

    def test_vm_answers_ssh_with_its_key_pair(self):
        self.vpc("ssh-vpc")
        self.sg("ssh-sg", "ssh-vpc")
        kp = self.keypair("ssh-kp")
        net = ("ssh-vpc", "subnet-01", "ssh-sg", "ssh-kp")
        # The key reaches authorized_keys only with a VM.
        with open(self.sshd.authorized_keys) as f:
            self.assertNotIn(kp["PublicKey"], f.read())

        info = self.vm("ssh-vm", net)
        for got in (info, self.get("/spider/vm/ssh-vm")):
            self.assertEqual(got["SSHAccessPoint"], self.access_point)
            self.assertEqual(got["PublicIP"], "127.0.0.1")
        with open(self.sshd.authorized_keys) as f:
            lines = f.read().splitlines()
        self.assertIn(kp["PublicKey"], lines)
        self.assertEqual(os.stat(self.sshd.authorized_keys).st_mode & 0o777,
                         0o600)

        key_path = os.path.join(self.tmp, "ssh-kp.pem")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(kp["PrivateKey"])
        r = self.ssh(key_path, "echo", "ok")
        self.assertEqual((r.returncode, r.stdout), (0, "ok\n"),
                         (r.stderr, self.sshd.log()[-2000:]))

        # A key pair no VM uses is not let in.
        other = self.keypair("ssh-kp-unused")
        other_path = os.path.join(self.tmp, "ssh-kp-unused.pem")
        fd = os.open(other_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as f:
            f.write(other["PrivateKey"])
        r = self.ssh(other_path, "echo", "ok")
        self.assertNotEqual(r.returncode, 0, r)

    def test_restart_with_new_host_key(self):
        # The helper's TOFU scenario: same port, another host key.
        old = self.sshd.host_key
        self.sshd.restart(new_host_key=True)
        self.assertNotEqual(self.sshd.host_key, old)
        scan = subprocess.run(
            ["ssh-keyscan", "-p", str(self.sshd.port), "-t", "ed25519",
             "127.0.0.1"], capture_output=True, text=True, timeout=30)
        self.assertIn(self.sshd.host_key, scan.stdout, scan.stderr)


if __name__ == "__main__":
    unittest.main()
