"""Injected cloud failures (MockFailOp, MockFailRate, MockLatencyMs):
what a failed create or delete leaves behind, and lists that answer with
Error items instead of failing or hanging (reference §11, §16 #8)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from res_util import SLOW, ResTestCase, names, timed  # noqa: E402

MOCK = "res-faults"
H = "res-faults-healthy"
FC = "res-faults-create"  # same cloud; every create fails
FD = "res-faults-delete"  # same cloud; every delete fails
LF = "res-faults-lists"   # its own cloud; faults set later on its region
CREATE_OPS = ("CreateVPC,AddSubnet,CreateSecurityGroup,CreateKey,StartVM,"
              "CreateDisk,SnapshotVM,AddRules,AttachDisk")
DELETE_OPS = ("DeleteVPC,RemoveSubnet,DeleteSecurityGroup,DeleteKey,"
              "TerminateVM,DeleteDisk,DeleteMyImage,RemoveRules,DetachDisk")
ITEM_TIMEOUT_MS = 300 * SLOW


def injected(op):
    return f"injected failure of '{op}'"


class CloudFailureTest(ResTestCase):
    CONNECTIONS = [(H, MOCK, (), ()),
                   (FC, MOCK, [("MockFailOp", CREATE_OPS)], ()),
                   (FD, MOCK, [("MockFailOp", DELETE_OPS)], ())]
    NET = "h"
    VMS = ("h-vm",)

    @classmethod
    def prepare(cls, h):
        # healthy objects, registered in FC too, for FC's creates to use
        vpc = h.get("/spider/vpc/h-vpc")
        h.ok("POST", "/spider/regvpc",
             {"Name": "h-vpc", "CSPId": vpc["IId"]["SystemId"]}, conn=FC)
        # registering a VPC registers its subnets, named by their IDs
        sn = h.get("/spider/vpc/h-vpc/subnet/h-subnet")["IId"]["SystemId"]
        cls.fc_net = ("h-vpc", sn, "h-sg", "h-kp")
        for kind, name, extra in (("securitygroup", "h-sg",
                                   {"VPCName": "h-vpc"}),
                                  ("keypair", "h-kp", {}),
                                  ("vm", "h-vm", {})):
            sid = h.get(f"/spider/{kind}/{name}")["IId"]["SystemId"]
            h.ok("POST", "/spider/reg" + kind,
                 {"Name": name, "CSPId": sid, **extra}, conn=FC)
        h.disk("fc-d0", conn=H)
        sid = h.get("/spider/disk/fc-d0")["IId"]["SystemId"]
        h.ok("POST", "/spider/regdisk", {"Name": "fc-d0", "CSPId": sid,
                                         "Zone": ""}, conn=FC)

    def assert_no_trace(self, kind, name, key):
        """Neither a row in FC nor a cloud object: FC and H see nothing."""
        self.err(self.call("GET", f"/spider/{kind}/{name}", conn=FC), 404)
        self.assertNotIn(name, names(
            x["IId"] for x in self.get("/spider/" + kind, conn=FC)[key]))
        for conn in (FC, H):
            view = self.get("/spider/all" + kind, conn=conn)["AllList"]
            for lst in view.values():
                for iid in lst:
                    self.assertFalse(iid["SystemId"].startswith(name) or
                                     iid["NameId"].startswith(name),
                                     (conn, view))

    def test_failed_create_leaves_nothing(self):
        vm = self.vm_req("fc-vm", self.fc_net)
        for kind, key, info, op in [
                ("vpc", "vpc", {"Name": "fc-vpc", "IPv4_CIDR": "10.0.0.0/16"},
                 "CreateVPC"),
                ("securitygroup", "securitygroup",
                 {"Name": "fc-sg", "VPCName": "h-vpc", "SecurityRules": []},
                 "CreateSecurityGroup"),
                ("keypair", "keypair", {"Name": "fc-kp"}, "CreateKey"),
                ("vm", "vm", vm, "StartVM"),
                ("disk", "disk", {"Name": "fc-disk", "DiskType": "SSD",
                                  "DiskSize": "10"}, "CreateDisk"),
                ("myimage", "myImage", {"Name": "fc-img", "SourceVM": "h-vm"},
                 "SnapshotVM")]:
            with self.subTest(kind=kind):
                n = self.count(kind, FC)
                r = self.call("POST", "/spider/" + kind, info, conn=FC)
                self.err(r, 502, injected(op))
                self.assertEqual(self.count(kind, FC), n)
                self.assert_no_trace(kind, info["Name"], key)
                # the name is free again
                self.assertEqual(self.call("POST", "/spider/" + kind, info,
                                           conn=FC).status, 502)

    def test_failed_changes_leave_things_as_they_were(self):
        n = self.count("subnet", FC)
        r = self.call("POST", "/spider/vpc/h-vpc/subnet",
                      {"Name": "fc-sn", "IPv4_CIDR": "10.0.9.0/24"}, conn=FC)
        self.err(r, 502, injected("AddSubnet"))
        self.assertEqual(self.count("subnet", FC), n)
        self.err(self.call("GET", "/spider/vpc/h-vpc/subnet/fc-sn", conn=FC),
                 404)
        self.assertNotIn("fc-sn", str(self.get("/spider/vpc/h-vpc")))
        rule = {"Direction": "inbound", "IPProtocol": "UDP",
                "FromPort": "53", "ToPort": "53", "CIDR": "0.0.0.0/0"}
        r = self.call("POST", "/spider/securitygroup/h-sg/rules",
                      {"RuleInfoList": [rule]}, conn=FC)
        self.err(r, 502, injected("AddRules"))
        self.assertNotIn("53", [x["FromPort"] for x in self.get(
            "/spider/securitygroup/h-sg")["SecurityRules"]])
        r = self.call("PUT", "/spider/disk/fc-d0/attach",
                      {"VMName": "h-vm"}, conn=FC)
        self.err(r, 502, injected("AttachDisk"))
        got = self.get("/spider/disk/fc-d0", conn=FC)
        self.assertEqual(got["Status"], "Available")

    def test_failed_delete_keeps_row_and_object(self):
        n = self.net("fd", conn=FD)
        self.vm("fd-vm", n, conn=FD)
        self.disk("fd-disk", conn=FD)
        self.create("myimage", {"Name": "fd-img", "SourceVM": "fd-vm"},
                    conn=FD)
        spare = ("fd2-vpc", "fd2-subnet", "fd2-sg", "fd2-kp")
        self.net("fd2", conn=FD)
        for path, op in [
                ("/spider/myimage/fd-img", "DeleteMyImage"),
                ("/spider/disk/fd-disk", "DeleteDisk"),
                ("/spider/vm/fd-vm", "TerminateVM"),
                (f"/spider/securitygroup/{spare[2]}", "DeleteSecurityGroup"),
                (f"/spider/keypair/{spare[3]}", "DeleteKey"),
                (f"/spider/vpc/{spare[0]}/subnet/{spare[1]}", "RemoveSubnet")]:
            with self.subTest(path=path):
                self.err(self.delete(path, conn=FD), 502, injected(op))
                self.assertEqual(self.call("GET", path, conn=FD).status, 200)
        self.assertEqual(self.status("fd-vm", FD), "Running")
        # force: the row goes although the cloud refuses; the object stays
        for kind, name in [("myimage", "fd-img"), ("vm", "fd-vm"),
                           ("disk", "fd-disk"), ("keypair", spare[3]),
                           ("securitygroup", spare[2])]:
            with self.subTest(kind=kind, force=True):
                sid = self.get(f"/spider/{kind}/{name}", conn=FD)["IId"][
                    "SystemId"]
                n = self.count(kind, FD)
                self.assertEqual(self.delete(f"/spider/{kind}/{name}", conn=FD,
                                             force=True).status, 200)
                self.err(self.call("GET", f"/spider/{kind}/{name}", conn=FD),
                         404)
                self.assertEqual(self.count(kind, FD), n - 1)
                view = self.get("/spider/all" + kind, conn=FD)["AllList"]
                self.assertIn(sid, [i["SystemId"] for i in
                                    view["OnlyCSPList"]])
        self.err(self.delete(f"/spider/vpc/{spare[0]}", conn=FD), 502,
                 injected("DeleteVPC"))
        self.assertEqual(self.call("GET", f"/spider/vpc/{spare[0]}",
                                   conn=FD).status, 200)


class FailRateTest(ResTestCase):
    CONNECTIONS = [("res-faults-rate", "res-faults-rate",
                    [("MockFailRate", "100")], ())]

    def test_fail_rate_100_fails_every_call(self):
        for kind, info in [("vpc", {"Name": "r-vpc",
                                    "IPv4_CIDR": "10.0.0.0/16"}),
                           ("keypair", {"Name": "r-kp"})]:
            with self.subTest(kind=kind):
                self.err(self.call("POST", "/spider/" + kind, info), 502,
                         "injected failure")
                self.assertEqual(self.count(kind), 0)


class ListItemFaultTest(ResTestCase):
    """Items of a list fail or time out one by one; the list answers."""
    CONNECTIONS = [(LF, MOCK + "-lists", (), ())]
    DAEMON_ARGS = ["--item-timeout", str(ITEM_TIMEOUT_MS)]
    NET = "lf"
    VMS = ["lf-vm1", "lf-vm2", "lf-vm3"]

    def set_region_faults(self, *kv):
        """Re-register LF's region (overwrites, §16 #9) with these keys."""
        r = self.d.post("/spider/region", {
            "RegionName": LF + "-region", "ProviderName": "MOCK",
            "KeyValueInfoList": [{"Key": "Region", "Value": "default"}] +
            [{"Key": k, "Value": v} for k, v in kv]})
        self.assertEqual(r.status, 200, r)

    def tearDown(self):
        self.set_region_faults()

    def test_failing_items(self):
        self.set_region_faults(("MockFailOp", "GetVM,GetVPC"))
        items = self.get("/spider/vm")["vm"]
        self.assertEqual(sorted(i["IId"]["NameId"] for i in items), self.VMS)
        self.assertEqual(sorted((i["IId"] for i in items),
                                key=lambda x: x["NameId"]),
                         [self.vms[v]["IId"] for v in self.VMS])
        self.assert_error_items(items, "injected failure of 'getvm'")
        items = self.get("/spider/vpc")["vpc"]
        self.assert_error_items(items, "getvpc")
        # the views still answer and still count the rows
        self.assertEqual(self.count("vm"), 3)
        self.err(self.call("GET", "/spider/vm/lf-vm1"), 502,
                 injected("GetVM"))
        self.set_region_faults()
        items = self.get("/spider/vm")["vm"]
        for it in items:
            self.assertNotIn("Error", [e["Key"] for e in it["KeyValueList"]])

    def test_slow_items_time_out(self):
        self.set_region_faults(("MockLatencyMs", "3000"))
        for path, key in (("/spider/vm", "vm"), ("/spider/vpc", "vpc"),
                          ("/spider/keypair", "keypair")):
            with self.subTest(path=path):
                r, took = timed(self.call, "GET", path)
                self.assertEqual(r.status, 200, r)
                self.assertLess(took, 2.5, path)
                items = r.json()[key]
                self.assertTrue(items)
                self.assert_error_items(items)
                for it in items:
                    err = [e["Value"] for e in it["KeyValueList"]
                           if e["Key"] == "Error"][0]
                    self.assertRegex(err.lower(), r"time|within|deadline")
        # the items are asked concurrently, not one after another
        r, took = timed(self.call, "GET", "/spider/vm")
        self.assertLess(took, (len(self.VMS) * ITEM_TIMEOUT_MS) / 1000 + 0.5)


if __name__ == "__main__":
    unittest.main()
