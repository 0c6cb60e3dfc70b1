"""Remote command and file copy on MCIS VMs, for real: the mock cloud points
its VMs' SSH access point at an OpenSSH server on loopback and puts each
key pair's public key in its authorized_keys, as cloud-init would
(docs/api.md, "Remote command and file copy")."""
import base64
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcis_util import McisTestCase  # noqa: E402
import sshd_util  # noqa: E402

A, B = "ssh-a", "ssh-b"


@unittest.skipUnless(sshd_util.available(),
                     "needs openssh-server (scripts/deps.sh installs it)")
class McisSshTest(McisTestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="spider-e2e-mcis-ssh-")
        cls.sshd = sshd_util.Sshd(cls.tmp).start()
        knobs = [("MockSSHAccessPoint", f"127.0.0.1:{cls.sshd.port}"),
                 ("MockAuthorizedKeysFile", cls.sshd.authorized_keys),
                 ("MockSuspendDelayMs", "50"), ("MockResumeDelayMs", "50")]
        cls.CONNECTIONS = [(A, "mssh-a", (), knobs), (B, "mssh-b", (), knobs)]
        try:
            super().setUpClass()
        except BaseException:
            cls.sshd.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.sshd.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.nsid = self.ns("ns-ssh-" + self._testMethodName[5:12].replace("_", "-").strip("-"))
        user = self.sshd.user
        na, nb = self.static_net(A, "a" + self.nsid[-6:]), self.static_net(B, "b" + self.nsid[-6:])
        self.wait_call("POST", f"/spider/ns/{self.nsid}/mcis", {
            "name": "svc", "vm": [self.static_entry("g1", A, na, size=2, vmUserAccount=user),
                                  self.static_entry("g2", B, nb, vmUserAccount=user)]})
        self.path = f"/spider/ns/{self.nsid}/cmd/mcis/svc"

    def cmd(self, commands, query="", status=200, **extra):
        return self.wait_call("POST", self.path + query, {"command": commands, **extra}, status)["results"]

    def test_commands_run_in_order_on_every_vm(self):
        res = self.cmd(["echo out-$((6*7))", "echo err-line >&2; exit 3", "pwd"])
        self.assertEqual(sorted(r["vmId"] for r in res), ["g1-1", "g1-2", "g2-1"])
        for r in res:
            self.assertEqual(r["err"], "", r)
            self.assertEqual(r["mcisId"], "svc")
            self.assertEqual(r["vmIp"], "127.0.0.1")
            self.assertEqual(r["userName"], self.sshd.user)
            self.assertEqual(r["command"], {"0": "echo out-$((6*7))", "1": "echo err-line >&2; exit 3", "2": "pwd"})
            self.assertEqual(r["stdout"]["0"], "out-42\n")
            self.assertTrue(r["stderr"]["1"].endswith("err-line\n"), r)
            self.assertEqual(r["exitCode"], {"0": 0, "1": 3, "2": 0})
            self.assertTrue(r["stdout"]["2"].startswith("/"))
        # A request that did not wait gives the same, through the request.
        doc = self.run_async("POST", self.path, {"command": "echo async"})
        self.assertEqual({r["stdout"]["0"] for r in doc["result"]["results"]}, {"async\n"})

    def test_targets_subgroup_and_vm(self):
        self.assertEqual([r["vmId"] for r in self.cmd(["true"], "?subGroupId=g2")], ["g2-1"])
        self.assertEqual([r["vmId"] for r in self.cmd(["true"], "?vmId=g1-2")], ["g1-2"])
        self.err(self.d.post(self.path + "?vmId=g1-2&subGroupId=g1", {"command": ["true"]}), 400, "not both")
        self.err(self.d.post(self.path + "?vmId=zz", {"command": ["true"]}), 404, "VM 'zz'")
        self.err(self.d.post(self.path + "?subGroupId=zz", {"command": ["true"]}), 404, "subGroup 'zz'")

    def test_user_name_from_the_request_wins(self):
        res = self.cmd(["true"], "?vmId=g1-1", userName="nosuchuser-x")
        self.assertIn("nosuchuser-x", res[0]["err"])
        self.assertEqual(res[0]["userName"], "nosuchuser-x")

    def test_bad_input(self):
        for body, part in (({}, "command is empty"), ({"command": []}, "command is empty"),
                           ({"command": [""]}, "command[0]"), ({"command": ["x"] * 65}, "at most 64"),
                           ({"command": ["x"], "timeoutSeconds": 0}, "timeoutSeconds"),
                           ({"command": ["x"], "userName": "a b"}, "userName")):
            self.err(self.d.post(self.path, body), 400, part)
        self.err(self.d.post(f"/spider/ns/{self.nsid}/cmd/mcis/nope", {"command": ["x"]}), 404, "MCIS 'nope'")

    def test_not_running_vms_are_left_out(self):
        self.wait_call("GET", f"/spider/ns/{self.nsid}/control/mcis/svc/vm/g1-2?action=suspend")
        self.err(self.d.post(self.path + "?vmId=g1-2", {"command": ["true"]}), 409,
                 "VM 'g1-2' is Suspended; commands run only on Running VMs")
        res = {r["vmId"]: r for r in self.cmd(["echo up"])}
        self.assertEqual(res["g1-1"]["stdout"]["0"], "up\n")
        self.assertIn("is Suspended", res["g1-2"]["err"])
        self.assertNotIn("stdout", res["g1-2"])

    def test_timeout(self):
        res = self.cmd(["echo before", "sleep 30"], "?vmId=g1-1", timeoutSeconds=4)
        self.assertEqual(res[0]["stdout"]["0"], "before\n")
        self.assertIn("time", res[0]["err"].lower())
        self.assertEqual(res[0]["exitCode"]["1"], -1)

    def test_copy(self):
        data = os.urandom(3000) + b"end\n"
        target = os.path.join(self.tmp, f"copied-{self.nsid}")
        out = self.wait_call("POST", f"/spider/ns/{self.nsid}/transferFile/mcis/svc?subGroupId=g1",
                             {"path": target, "content": base64.b64encode(data).decode(), "mode": "0640"})
        self.assertEqual(sorted(r["vmId"] for r in out["results"]), ["g1-1", "g1-2"])
        self.assertTrue(all(r["err"] == "" and r["bytes"] == len(data) for r in out["results"]), out)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(oct(os.stat(target).st_mode & 0o777), "0o640")
        res = self.cmd([f"stat -c %a {target}"], "?vmId=g2-1")
        self.assertEqual(res[0]["stdout"]["0"], "640\n")
        for body, part in (({"content": "eA=="}, "path is empty"), ({"path": "rel", "content": ""}, "absolute"),
                           ({"path": "/tmp/x", "content": "!!"}, "base64"),
                           ({"path": "/tmp/x", "content": "", "mode": "999"}, "mode")):
            self.err(self.d.post(f"/spider/ns/{self.nsid}/transferFile/mcis/svc", body), 400, part)

    def test_changed_host_key_is_refused(self):
        self.cmd(["true"])   # first contact: keys recorded
        marker = os.path.join(self.tmp, f"marker-{self.nsid}")
        self.sshd.restart(new_host_key=True)
        try:
            res = self.cmd([f"touch {marker}"], "?vmId=g1-1")
            self.assertIn("host key of 127.0.0.1", res[0]["err"])
            self.assertIn("changed", res[0]["err"])
            self.assertFalse(os.path.exists(marker))
        finally:
            # The other tests' VMs are new (new cloud IDs): they record the
            # new key on first contact.
            pass


if __name__ == "__main__":
    unittest.main()
