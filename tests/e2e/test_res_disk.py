"""Disks: create, resize, attach and detach, and as VM data disks
(reference §12.5)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from res_util import ResTestCase, names  # noqa: E402

C = "res-disk-conn"
NO_OWNER = {"NameId": "", "SystemId": ""}


class DiskTest(ResTestCase):
    CONNECTIONS = [(C, "res-disk", (), ())]
    NET = "d"
    VMS = ("vm-d1", "vm-d2")

    def owner(self, disk):
        got = self.get("/spider/disk/" + disk)
        return got["Status"], got["OwnerVM"]

    def test_create_get_list(self):
        n = self.count("disk")
        info = self.disk("disk-cgl", "100", "SSD")
        self.assert_iid(info["IId"], "disk-cgl")
        self.assertEqual((info["DiskType"], info["DiskSize"], info["Status"]),
                         ("SSD", "100", "Available"))
        self.assertTrue(info["Zone"])
        self.assertEqual(info["OwnerVM"], NO_OWNER)
        self.assertTrue(info["CreatedTime"])
        self.assertEqual(self.count("disk"), n + 1)
        got = self.get("/spider/disk/disk-cgl")
        self.assertEqual((got["IId"], got["DiskSize"], got["Status"]),
                         (info["IId"], "100", "Available"))
        lst = self.get("/spider/disk")
        self.assertEqual(list(lst), ["disk"])
        self.assertIn("disk-cgl", names(x["IId"] for x in lst["disk"]))
        hdd = self.disk("disk-hdd", "50", "HDD")
        self.assertEqual(hdd["DiskType"], "HDD")
        self.assertEqual(self.delete_ok("/spider/disk/disk-hdd"),
                         {"Result": "true"})
        self.err(self.call("GET", "/spider/disk/disk-hdd"), 404,
                 message="The Disk 'disk-hdd' does not exist!")

    def test_bad_input_duplicate_not_found(self):
        base = {"Name": "disk-bad", "DiskType": "SSD", "DiskSize": "100"}
        for info, part in [
                ({**base, "Name": ""}, "Name"),
                ({**base, "Name": "disk bad"}, "disk bad"),
                ({**base, "DiskType": "TAPE"}, "TAPE"),
                ({**base, "DiskSize": "lots"}, "lots"),
                ({**base, "DiskSize": "-5"}, "-5"),
        ]:
            with self.subTest(info=info):
                self.err(self.call("POST", "/spider/disk", info), 400, part)
        self.disk("disk-dup")
        self.err(self.call("POST", "/spider/disk",
                           {**base, "Name": "disk-dup"}),
                 409, message=f"Disk 'disk-dup' already exists in connection "
                              f"'{C}'")
        for m in ("GET", "DELETE"):
            self.err(self.call(m, "/spider/disk/nope"), 404,
                     message="The Disk 'nope' does not exist!")
        for op, info in [("size", {"Size": "500"}),
                         ("attach", {"VMName": "vm-d1"}),
                         ("detach", {"VMName": "vm-d1"})]:
            with self.subTest(op=op):
                self.err(self.call("PUT", f"/spider/disk/nope/{op}", info),
                         404, message="The Disk 'nope' does not exist!")

    def test_resize(self):
        self.disk("disk-rs", "100")
        path = "/spider/disk/disk-rs/size"
        self.assertEqual(self.ok("PUT", path, {"Size": "200"}),
                         {"Result": "true"})
        self.assertEqual(self.get("/spider/disk/disk-rs")["DiskSize"], "200")
        self.err(self.call("PUT", path, {"Size": ""}), 400,
                 message="resources.DiskReqInfo:Size's input value is empty!")
        self.err(self.call("PUT", path, {"Size": "huge"}), 400, "huge")
        self.err(self.call("PUT", path, {"Size": "50"}), 400, "50")
        self.assertEqual(self.get("/spider/disk/disk-rs")["DiskSize"], "200")

    def test_attach_detach(self):
        self.disk("disk-at")
        info = self.ok("PUT", "/spider/disk/disk-at/attach",
                       {"VMName": "vm-d1"})
        self.assertEqual(info["IId"]["NameId"], "disk-at")
        self.assertEqual(info["Status"], "Attached")
        self.assertEqual(info["OwnerVM"], self.vms["vm-d1"]["IId"])
        self.assertEqual(self.owner("disk-at"),
                         ("Attached", self.vms["vm-d1"]["IId"]))
        vm = self.get("/spider/vm/vm-d1")
        self.assertIn(info["IId"], vm["DataDiskIIDs"])
        # attached: cannot go, nor attach again
        self.err(self.delete("/spider/disk/disk-at"), 409, "disk-at", "vm-d1")
        self.err(self.call("PUT", "/spider/disk/disk-at/attach",
                           {"VMName": "vm-d2"}), 409, "disk-at")
        self.err(self.call("PUT", "/spider/disk/disk-at/detach",
                           {"VMName": "vm-d2"}), 409, "disk-at")
        self.assertEqual(self.ok("PUT", "/spider/disk/disk-at/detach",
                                 {"VMName": "vm-d1"}), {"Result": "true"})
        self.assertEqual(self.owner("disk-at"), ("Available", NO_OWNER))
        self.assertNotIn(info["IId"],
                         self.get("/spider/vm/vm-d1")["DataDiskIIDs"])
        self.err(self.call("PUT", "/spider/disk/disk-at/detach",
                           {"VMName": "vm-d1"}), 409, "disk-at")
        self.assertEqual(self.delete_ok("/spider/disk/disk-at"),
                         {"Result": "true"})

    def test_attach_bad_input(self):
        self.disk("disk-ab")
        for op in ("attach", "detach"):
            with self.subTest(op=op):
                self.err(self.call("PUT", f"/spider/disk/disk-ab/{op}",
                                   {"VMName": ""}), 400,
                         message="resources.DiskReqInfo:VMName's input "
                                 "value is empty!")
                self.err(self.call("PUT", f"/spider/disk/disk-ab/{op}",
                                   {"VMName": "nope"}), 404,
                         message="The VM 'nope' does not exist!")
        self.assertEqual(self.owner("disk-ab"), ("Available", NO_OWNER))

    def test_force_delete_attached(self):
        self.disk("disk-frc")
        self.ok("PUT", "/spider/disk/disk-frc/attach", {"VMName": "vm-d2"})
        self.err(self.delete("/spider/disk/disk-frc"), 409, "vm-d2",
                 "force=true")
        self.assertEqual(self.delete_ok("/spider/disk/disk-frc", force=True),
                         {"Result": "true"})
        self.err(self.call("GET", "/spider/disk/disk-frc"), 404)

    def test_data_disk_at_vm_create(self):
        d = self.disk("disk-data")
        vm = self.vm("vm-data", self.n, DataDiskNames=["disk-data"])
        self.assertEqual(vm["DataDiskIIDs"], [d["IId"]])
        self.assertEqual(self.owner("disk-data"), ("Attached", vm["IId"]))
        self.err(self.delete("/spider/disk/disk-data"), 409, "vm-data")
        # an attached disk cannot be a data disk of a second VM
        r = self.call("POST", "/spider/vm",
                      self.vm_req("vm-data2", self.n,
                                  DataDiskNames=["disk-data"]))
        self.err(r, 409, "disk-data")
        self.err(self.call("GET", "/spider/vm/vm-data2"), 404)


if __name__ == "__main__":
    unittest.main()
