"""Resources survive a daemon restart on the same data directory: same
IDs, statuses and dependency refusals, and the VM lifecycle goes on."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon  # noqa: E402
from res_util import ResTestCase  # noqa: E402

C = "res-restart"
PATHS = {  # what is made before the restart, by its GET path
    "vpc": "/spider/vpc/k-vpc",
    "subnet": "/spider/vpc/k-vpc/subnet/k-subnet",
    "sg": "/spider/securitygroup/k-sg",
    "keypair": "/spider/keypair/k-kp",
    "vm": "/spider/vm/vm-run",
    "vm-off": "/spider/vm/vm-off",
    "vm-sus": "/spider/vm/vm-sus",
    "disk": "/spider/disk/k-disk",
    "myimage": "/spider/myimage/k-img",
}
KINDS = ("vpc", "subnet", "securitygroup", "keypair", "vm", "disk",
         "myimage")


class RestartTest(ResTestCase):
    CONNECTIONS = [(C, "res-restart", (), ())]
    NET = "k"

    @classmethod
    def prepare(cls, h):
        h.vm("vm-run", cls.n)
        h.vm("vm-off", cls.n, top={"IDTransformMode": "OFF"})
        h.vm("vm-sus", cls.n, ImageName="mock-vmimage-03")
        h.ok("PUT", "/spider/controlvm/vm-sus", query={"action": "suspend"})
        assert h.wait_status("vm-sus", "Suspended") == "Suspended"
        h.disk("k-disk")
        h.ok("PUT", "/spider/disk/k-disk/attach", {"VMName": "vm-run"})
        h.create("myimage", {"Name": "k-img", "SourceVM": "vm-run"})
        h.ok("POST", "/spider/tag", {"ResourceType": "vpc",
                                     "ResourceName": "k-vpc",
                                     "Tag": {"Key": "keep", "Value": "me"}})
        cls.before = {k: h.get(p) for k, p in PATHS.items()}
        cls.counts = {k: h.count(k) for k in KINDS}
        cls.views = {k: h.all_view(k) for k in KINDS if k != "subnet"}
        cls.first = cls.d
        rc = cls.first.stop()
        assert rc == 0, (rc, cls.first.stderr())
        cls.d = Daemon(data_dir=cls.first.data_dir).start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.cleanup()
        finally:
            cls.first.cleanup()  # removes the data dir

    def test_everything_is_still_there(self):
        for k, p in PATHS.items():
            with self.subTest(what=k):
                got = self.get(p)
                self.assertEqual(got["IId"], self.before[k]["IId"])
        for k in KINDS:
            with self.subTest(kind=k):
                self.assertEqual(self.count(k), self.counts[k])
                if k != "subnet":
                    self.assertEqual(self.all_view(k), self.views[k])
        self.assertEqual(self.get(PATHS["vm-off"])["IId"]["SystemId"],
                         "vm-off")
        self.assertIn({"Key": "keep", "Value": "me"},
                      self.get("/spider/tag", query={
                          "ResourceType": "vpc",
                          "ResourceName": "k-vpc"})["tag"])

    def test_same_details_and_statuses(self):
        self.assertEqual(self.status("vm-run"), "Running")
        self.assertEqual(self.status("vm-off"), "Running")
        self.assertEqual(self.status("vm-sus"), "Suspended")
        vm = self.get(PATHS["vm"])
        for k in ("VpcIID", "SubnetIID", "SecurityGroupIIds", "KeyPairIId",
                  "ImageIId", "PublicIP", "PrivateIP", "VMUserId",
                  "StartTime"):
            self.assertEqual(vm[k], self.before["vm"][k], k)
        self.assertEqual(self.get(PATHS["vm-sus"])["VMUserId"],
                         "Administrator")
        disk = self.get(PATHS["disk"])
        self.assertEqual((disk["Status"], disk["OwnerVM"]),
                         ("Attached", vm["IId"]))
        self.assertIn(disk["IId"], vm["DataDiskIIDs"])
        img = self.get(PATHS["myimage"])
        self.assertEqual((img["Status"], img["SourceVM"]),
                         ("Available", vm["IId"]))
        kp = self.get(PATHS["keypair"])
        self.assertEqual(kp["Fingerprint"],
                         self.before["keypair"]["Fingerprint"])
        self.assertEqual(kp["PrivateKey"], "Hidden for security.")
        sg = self.get(PATHS["sg"])
        self.assertEqual(sg["SecurityRules"],
                         self.before["sg"]["SecurityRules"])

    def test_refusals_still_hold(self):
        for path in ("/spider/vpc/k-vpc", "/spider/vpc/k-vpc/subnet/k-subnet",
                     "/spider/securitygroup/k-sg", "/spider/keypair/k-kp",
                     "/spider/disk/k-disk"):
            with self.subTest(path=path):
                self.err(self.delete(path), 409, "force=true")
        self.err(self.call("POST", "/spider/vpc",
                           {"Name": "k-vpc", "IPv4_CIDR": "10.0.0.0/16"}),
                 409, "already exists")
        self.err(self.call("POST", "/spider/vm",
                           self.vm_req("vm-run", self.n)),
                 409, "already exists")
        self.err(self.call("PUT", "/spider/controlvm/vm-sus",
                           query={"action": "reboot"}), 409, "Suspended")

    def test_lifecycle_goes_on(self):
        vm = self.vm("vm-new", self.n, ImageType="MyImage", ImageName="k-img")
        self.assertEqual(vm["ImageIId"], self.before["myimage"]["IId"])
        self.assertEqual(self.status("vm-new"), "Running")
        ctl = "/spider/controlvm/vm-new"
        for action, shown, then in (("suspend", "Suspending", "Suspended"),
                                    ("resume", "Resuming", "Running"),
                                    ("reboot", "Rebooting", "Running")):
            with self.subTest(action=action):
                self.assertEqual(self.ok("PUT", ctl, query={"action": action}),
                                 {"Status": shown})
                self.assertEqual(self.wait_status("vm-new", then), then)
        self.assertEqual(self.delete_ok("/spider/vm/vm-new"),
                         {"Status": "Terminated"})
        self.err(self.call("GET", "/spider/vm/vm-new"), 404)
        self.disk("k-disk2")
        self.ok("PUT", "/spider/disk/k-disk2/attach", {"VMName": "vm-off"})
        self.assertEqual(self.ok("PUT", "/spider/disk/k-disk2/detach",
                                 {"VMName": "vm-off"}), {"Result": "true"})
        self.assertEqual(self.delete_ok("/spider/disk/k-disk2"),
                         {"Result": "true"})


if __name__ == "__main__":
    unittest.main()
