"""Key pairs, VMs (create, info, status, control, dependencies) and
MyImages through a mock connection (reference §12.3, §12.4, §12.6, §13)."""
import base64
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from res_util import (IMAGE, SPEC, VM_STATUSES, WIN_IMAGE,  # noqa: E402
                      ResTestCase, names)

C = "res-vm-conn"
HIDDEN = "Hidden for security."
VMINFO_KEYS = {"IId", "StartTime", "Region", "ImageType", "ImageIId",
               "VMSpecName", "VpcIID", "SubnetIID", "SecurityGroupIIds",
               "KeyPairIId", "RootDiskType", "RootDiskSize",
               "RootDeviceName", "DataDiskIIDs", "VMUserId", "NICs",
               "PublicIP", "PrivateIP", "SSHAccessPoint", "TagList",
               "KeyValueList"}


class KeyPairTest(ResTestCase):
    CONNECTIONS = [(C, "res-vm-kp", (), ())]

    def test_create_gives_a_real_key(self):
        info = self.keypair("kp-real")
        self.assert_iid(info["IId"], "kp-real")
        self.assertTrue(info["PrivateKey"].startswith(
            "-----BEGIN RSA PRIVATE KEY-----"), info["PrivateKey"][:60])
        self.assertIn("-----END RSA PRIVATE KEY-----", info["PrivateKey"])
        self.assertRegex(info["PublicKey"], r"^ssh-rsa AAAA[A-Za-z0-9+/=]+")
        self.assertRegex(info["Fingerprint"], r"^SHA256:[A-Za-z0-9+/]{43}$")
        self.assertEqual(info["VMUserID"], "cb-user")
        if not shutil.which("ssh-keygen"):
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "key")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(info["PrivateKey"].rstrip("\n") + "\n")
            pub = subprocess.run(["ssh-keygen", "-y", "-f", path],
                                 capture_output=True, text=True)
            self.assertEqual(pub.returncode, 0, pub.stderr)
            self.assertEqual(pub.stdout.split()[:2],
                             info["PublicKey"].split()[:2])
            fp = subprocess.run(["ssh-keygen", "-l", "-f", path],
                                capture_output=True, text=True)
            self.assertEqual(fp.returncode, 0, fp.stderr)
            self.assertEqual(fp.stdout.split()[1], info["Fingerprint"])

    def test_get_and_list_hide_the_keys(self):
        info = self.keypair("kp-hide")
        got = self.get("/spider/keypair/kp-hide")
        self.assertEqual(got["IId"], info["IId"])
        self.assertEqual(got["Fingerprint"], info["Fingerprint"])
        self.assertEqual(got["PublicKey"], HIDDEN)
        self.assertEqual(got["PrivateKey"], HIDDEN)
        lst = self.get("/spider/keypair")
        self.assertEqual(list(lst), ["keypair"])
        mine = [k for k in lst["keypair"] if k["IId"]["NameId"] == "kp-hide"]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["PublicKey"], mine[0]["PrivateKey"]),
                         (HIDDEN, HIDDEN))
        self.assertNotIn("BEGIN", lst.__repr__())

    def test_bad_input_duplicate_not_found_delete(self):
        self.err(self.call("POST", "/spider/keypair", {"Name": ""}), 400,
                 "Name")
        self.err(self.call("POST", "/spider/keypair", {"Name": "kp bad"}),
                 400, "kp bad")
        self.keypair("kp-dup")
        self.err(self.call("POST", "/spider/keypair", {"Name": "kp-dup"}),
                 409, message=f"VM KeyPair 'kp-dup' already exists in "
                              f"connection '{C}'")
        for m in ("GET", "DELETE"):
            self.err(self.call(m, "/spider/keypair/nope"), 404,
                     message="The VM KeyPair 'nope' does not exist!")
        n = self.count("keypair")
        self.assertEqual(self.delete_ok("/spider/keypair/kp-dup"),
                         {"Result": "true"})
        self.assertEqual(self.count("keypair"), n - 1)
        self.err(self.call("GET", "/spider/keypair/kp-dup"), 404)


def ssh_keygen(directory, name, *args):
    """A new key pair made by ssh-keygen: (public key line, its
    fingerprint as ssh-keygen -l shows it)."""
    path = os.path.join(directory, name)
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-C", f"{name}@test",
                    "-f", path, *args], check=True, capture_output=True)
    with open(path + ".pub") as f:
        line = f.read()
    fp = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f",
                         path + ".pub"], check=True, capture_output=True,
                        text=True).stdout.split()[1]
    return line, fp


def blob_of(line):
    return base64.b64decode(line.split()[1])


def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def line_of(type_, blob, comment="x"):
    return f"{type_} {base64.b64encode(blob).decode()} {comment}"


@unittest.skipUnless(shutil.which("ssh-keygen"), "needs ssh-keygen (openssh-client)")
class KeyPairImportTest(ResTestCase):
    """ReqInfo.PublicKey: the mock imports the key, checked as sshd would;
    a cloud that cannot import gets 501."""
    CONNECTIONS = [(C, "res-vm-imp", (), ()),
                   ("res-vm-noimp", "res-vm-noimp", (),
                    (("MockKeyImport", "off"),))]

    @classmethod
    def prepare(cls, h):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.keys = {
            "ed25519": ssh_keygen(d, "ed", "-t", "ed25519"),
            "rsa": ssh_keygen(d, "rsa", "-t", "rsa", "-b", "2048"),
            "ecdsa": ssh_keygen(d, "ec", "-t", "ecdsa", "-b", "384"),
            "rsa1024": ssh_keygen(d, "weak", "-t", "rsa", "-b", "1024"),
        }

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    def import_key(self, name, line, conn=None):
        return self.call("POST", "/spider/keypair",
                         {"Name": name, "PublicKey": line}, conn=conn)

    def test_import_good_keys(self):
        for kind in ("ed25519", "rsa", "ecdsa"):
            with self.subTest(kind=kind):
                line, fp = self.keys[kind]
                name = "imp-" + kind
                # a file's content as is: the final newline goes
                r = self.import_key(name, line)
                self.assertEqual(r.status, 200, r)
                info = r.json()
                self.assert_iid(info["IId"], name)
                self.assertNotIn("PrivateKey", info)
                self.assertEqual(info["PublicKey"], line.strip())
                self.assertEqual(info["Fingerprint"], fp)
                got = self.get("/spider/keypair/" + name)
                self.assertEqual(got["Fingerprint"], fp)
                self.assertEqual((got["PublicKey"], got["PrivateKey"]),
                                 (HIDDEN, HIDDEN))
                # the cloud has it: the mapping shows it on both sides
                self.assertIn(name, self.all_view("keypair")["MappedList"])
        calls = self.get("/spider/callhistory",
                         query={"ResourceType": "VMKEYPAIR"})["callhistory"]
        self.assertIn("ImportKey()", {c["CloudOSAPI"] for c in calls})

    def test_import_feeds_a_vm(self):
        line, _ = self.keys["ed25519"]
        self.assertEqual(self.import_key("imp-vm-kp", line).status, 200)
        vpc, subnet, sg, _ = self.net("imp")
        vm = self.vm("imp-vm", (vpc, subnet, sg, "imp-vm-kp"))
        self.assertEqual(vm["KeyPairIId"]["NameId"], "imp-vm-kp")
        # no private key in Spider for it, so the delete is refused while
        # the VM uses it, as for any key pair
        self.err(self.delete("/spider/keypair/imp-vm-kp"), 409, "imp-vm")
        self.delete_ok("/spider/vm/imp-vm")
        self.delete_ok("/spider/keypair/imp-vm-kp")

    def test_bad_keys(self):
        ed, _ = self.keys["ed25519"]
        ed_blob = blob_of(ed)
        ec, _ = self.keys["ecdsa"]
        ec_blob = blob_of(ec)
        # the point of the ECDSA key moved off its curve
        bad_point = bytearray(ec_blob)
        bad_point[-1] ^= 1
        cases = [
            ("garbage", "not a key at all", "key type 'not' is not supported"),
            ("dsa", "ssh-dss AAAAB3NzaC1kc3MAAACBAP== x", "key type 'ssh-dss'"),
            ("no-data", "ssh-ed25519", "no key data"),
            ("base64", "ssh-ed25519 AAAA!!!!" + ed.split()[1][8:],
             "not base64"),
            ("base64-len", "ssh-ed25519 " + ed.split()[1][:-1], "not base64"),
            ("mismatch", "ssh-rsa " + ed.split()[1], "not a 'ssh-rsa' key"),
            ("rsa1024", self.keys["rsa1024"][0], "1024 bits is too weak"),
            ("short-ed", line_of("ssh-ed25519", ssh_string(b"ssh-ed25519")
                                 + ssh_string(b"\1" * 31)), "32 bytes"),
            ("trailing", line_of("ssh-ed25519", ed_blob + b"\0\0\0\0"),
             "4 bytes after the key"),
            ("off-curve", line_of("ecdsa-sha2-nistp384", bytes(bad_point)),
             "not on the curve"),
            ("long", "ssh-rsa " + "A" * 12000, "longer than 8192 bytes"),
            ("huge", "ssh-rsa " + "A" * 20000, "20008 bytes long"),
            ("two-lines", ed.strip() + "\n" + ed.strip(), "control character"),
        ]
        n = self.count("keypair")
        for name, line, why in cases:
            with self.subTest(case=name):
                self.err(self.import_key("bad-" + name, line), 400,
                         "ReqInfo.PublicKey", why)
        self.err(self.call("POST", "/spider/keypair",
                           {"Name": "bad-type", "PublicKey": 42}), 400,
                 "PublicKey")
        self.assertEqual(self.count("keypair"), n)
        self.assertEqual(self.all_view("keypair")["OnlyCSPList"], [])

    def test_duplicate_name(self):
        line, _ = self.keys["rsa"]
        self.keypair("imp-dup")
        self.err(self.import_key("imp-dup", line), 409,
                 message=f"VM KeyPair 'imp-dup' already exists in "
                         f"connection '{C}'")
        self.assertEqual(self.import_key("imp-dup2", line).status, 200)
        self.err(self.import_key("imp-dup2", self.keys["ed25519"][0]), 409)

    def test_cloud_without_import_is_501(self):
        conn = "res-vm-noimp"
        n = self.count("keypair", conn)
        self.err(self.import_key("noimp", self.keys["ed25519"][0], conn=conn),
                 501, message="driver 'mock' (MOCK) does not support "
                              "ImportKey")
        # the key the cloud made instead is gone again, and no row stays
        self.assertEqual(self.count("keypair", conn), n)
        self.assertEqual(self.all_view("keypair", conn),
                         {"MappedList": [], "OnlySpiderList": [],
                          "OnlyCSPList": []})
        # creating a key still works there
        self.assertIn("PrivateKey", self.keypair("made", conn=conn))


class VmTest(ResTestCase):
    CONNECTIONS = [(C, "res-vm-vm", (), ())]
    NET = "v"

    def iids(self):
        vpc = self.get("/spider/vpc/v-vpc")
        subnet = [s["IId"] for s in vpc["SubnetInfoList"]
                  if s["IId"]["NameId"] == "v-subnet"][0]
        return (vpc["IId"], subnet,
                self.get("/spider/securitygroup/v-sg")["IId"],
                self.get("/spider/keypair/v-kp")["IId"])

    def test_create_info(self):
        info = self.vm("vm-info", self.n, RootDiskType="HDD",
                       RootDiskSize="64", VMUserId="root",
                       TagList=[{"Key": "env", "Value": "test"}])
        self.assertLessEqual(VMINFO_KEYS, set(info), VMINFO_KEYS - set(info))
        for wrong in ("SecurityGroupIIDs", "KeyPairIID", "ImageIID",
                      "VpcIId", "SubnetIId", "DataDiskIIds"):
            self.assertNotIn(wrong, info)
        self.assert_iid(info["IId"], "vm-info")
        vpc, subnet, sg, kp = self.iids()
        self.assertEqual(info["VpcIID"], vpc)
        self.assertEqual(info["SubnetIID"], subnet)
        self.assertEqual(info["SecurityGroupIIds"], [sg])
        self.assertEqual(info["KeyPairIId"], kp)
        self.assertEqual(info["ImageType"], "PublicImage")
        self.assertEqual(info["ImageIId"]["NameId"], IMAGE)
        self.assertEqual(info["VMSpecName"], SPEC)
        self.assertEqual(info["Region"]["Region"], "default")
        self.assertTrue(info["Region"]["Zone"])
        self.assertEqual((info["RootDiskType"], info["RootDiskSize"]),
                         ("HDD", "64"))
        self.assertTrue(info["RootDeviceName"])
        self.assertEqual(info["DataDiskIIDs"], [])
        self.assertEqual(info["VMUserId"], "cb-user")  # forced (§16 #19)
        self.assertEqual(info["PublicIP"], "4.3.2.1")
        self.assertEqual(info["PrivateIP"], "1.2.3.4")
        self.assertIn("4.3.2.1", info["SSHAccessPoint"])
        self.assertIsInstance(info["NICs"], list)
        self.assertIn({"Key": "env", "Value": "test"}, info["TagList"])
        self.assertTrue(info["StartTime"])

        got = self.get("/spider/vm/vm-info")
        for k in ("IId", "VpcIID", "SubnetIID", "SecurityGroupIIds",
                  "KeyPairIId", "ImageIId", "VMUserId", "PublicIP"):
            self.assertEqual(got[k], info[k], k)
        lst = self.get("/spider/vm")
        self.assertEqual(list(lst), ["vm"])
        self.assertIn(info["IId"], [v["IId"] for v in lst["vm"]])
        self.assertEqual(self.status("vm-info"), "Running")
        sts = self.get("/spider/vmstatus")["vmstatus"]
        self.assertIn({"IId": info["IId"], "VmStatus": "Running"}, sts)
        for s in sts:
            self.assertIn(s["VmStatus"], VM_STATUSES)

    def test_windows_user_and_transform_off(self):
        info = self.vm("vm-win", self.n, ImageName=WIN_IMAGE,
                       top={"IDTransformMode": "OFF"})
        self.assertEqual(info["VMUserId"], "Administrator")
        self.assert_iid(info["IId"], "vm-win", transformed=False)
        self.assertEqual(self.get("/spider/cspresourcename/vm-win",
                                  query={"ResourceType": "vm"}),
                         {"Name": "vm-win"})
        on = self.vm("vm-linux", self.n, ImageName="mock-vmimage-05")
        self.assertEqual(on["VMUserId"], "cb-user")
        self.assertEqual(self.get("/spider/cspresourcename/vm-linux",
                                  query={"ResourceType": "vm"}),
                         {"Name": on["IId"]["SystemId"]})
        self.err(self.call("GET", "/spider/cspresourcename/nope",
                           query={"ResourceType": "vm"}), 404,
                 message="The VM 'nope' does not exist!")
        self.err(self.call("GET", "/spider/cspresourcename/vm-linux"), 400,
                 "ResourceType")

    def test_bad_input(self):
        base = self.vm_req("vm-bad", self.n)
        empty = "resources.VMReqInfo:{}'s input value is empty!"
        for field in ("VMSpecName", "ImageName", "VPCName", "SubnetName"):
            with self.subTest(field=field):
                self.err(self.call("POST", "/spider/vm",
                                   {**base, field: ""}), 400,
                         message=empty.format(field))
        for info, part in [
                ({**base, "Name": ""}, "Name"),
                ({**base, "Name": "vm_bad!"}, "vm_bad!"),
                ({**base, "SecurityGroupNames": []}, "SecurityGroupNames"),
                ({**base, "ImageType": "Shiny"}, "Shiny"),
                ({**base, "RootDiskType": "NVME"}, "NVME"),
                ({**base, "RootDiskSize": "big"}, "big"),
        ]:
            with self.subTest(info=info):
                self.err(self.call("POST", "/spider/vm", info), 400, part)
        for info, msg in [
                ({**base, "VPCName": "nope"}, "The VPC 'nope'"),
                ({**base, "SubnetName": "nope"}, "The Subnet 'nope'"),
                ({**base, "SecurityGroupNames": ["nope"]},
                 "The Security Group 'nope'"),
                ({**base, "KeyPairName": "nope"}, "The VM KeyPair 'nope'"),
                ({**base, "DataDiskNames": ["nope"]}, "The Disk 'nope'"),
                ({**base, "ImageType": "MyImage", "ImageName": "nope"},
                 "The MyImage 'nope'"),
        ]:
            with self.subTest(info=info):
                self.err(self.call("POST", "/spider/vm", info), 404, msg)
        # the cloud has no such image or spec: refused, whatever the code
        for i, (field, value) in enumerate([("ImageName", "no-such-image"),
                                            ("VMSpecName", "no-such-spec")]):
            with self.subTest(field=field):
                r = self.call("POST", "/spider/vm",
                              {**base, "Name": f"vm-bad-{i}", field: value})
                self.assertIn(r.status, (400, 404), r)
                self.assertIn(value, r.json()["message"])
                self.err(self.call("GET", f"/spider/vm/vm-bad-{i}"), 404)
        self.err(self.call("GET", "/spider/vm/vm-bad"), 404)
        self.assertEqual([], [v for v in self.all_view("vm")["OnlyCSPList"]
                              if v.startswith("vm-bad")])

    def test_duplicate_and_not_found(self):
        self.vm("vm-dup", self.n)
        self.err(self.call("POST", "/spider/vm",
                           self.vm_req("vm-dup", self.n)),
                 409, message=f"VM 'vm-dup' already exists in connection "
                              f"'{C}'")
        msg = "The VM 'nope' does not exist!"
        for m, path in [("GET", "/spider/vm/nope"),
                        ("DELETE", "/spider/vm/nope"),
                        ("GET", "/spider/vmstatus/nope"),
                        ("GET", "/spider/controlvm/nope?action=suspend"),
                        ("PUT", "/spider/controlvm/nope?action=reboot")]:
            with self.subTest(path=path, method=m):
                self.err(self.call(m, path), 404, message=msg)

    def test_control_lifecycle(self):
        self.vm("vm-ctl", self.n)
        ctl = "/spider/controlvm/vm-ctl"

        def act(action, method="PUT"):
            return self.call(method, ctl, query={"action": action})
        self.err(act("resume"), 409,
                 message="VM 'vm-ctl' is Running; cannot resume it")
        r = act("suspend")
        self.assertEqual((r.status, r.json()), (200, {"Status": "Suspending"}))
        self.assertEqual(self.wait_status("vm-ctl", "Suspended"), "Suspended")
        self.err(act("suspend"), 409, "vm-ctl", "Suspended")
        self.err(act("reboot"), 409, "vm-ctl", "Suspended")
        r = act("resume", "GET")  # GET works as well (§16 #20)
        self.assertEqual((r.status, r.json()), (200, {"Status": "Resuming"}))
        self.assertEqual(self.wait_status("vm-ctl", "Running"), "Running")
        r = act("reboot")
        self.assertEqual((r.status, r.json()), (200, {"Status": "Rebooting"}))
        self.assertEqual(self.wait_status("vm-ctl", "Running"), "Running")
        self.err(act("fly"), 400, message="fly is not a valid action!!")
        self.err(self.call("PUT", ctl), 400)

    def test_using_resources(self):
        info = self.vm("vm-use", self.n)
        vpc, _, sg, kp = self.iids()
        for m in ("GET", "POST"):
            with self.subTest(method=m):
                got = self.ok(m, "/spider/getvmusingresources",
                              query={"CSPId": info["IId"]["SystemId"]})
                self.assertEqual(got, {"Resources": {
                    "VPC": vpc, "SGList": [sg], "VMKey": kp}})
        self.err(self.call("GET", "/spider/getvmusingresources"), 400,
                 "CSPId")
        self.err(self.call("GET", "/spider/getvmusingresources",
                           query={"CSPId": "no-such-vm"}), 404)

    def test_dependencies_refused_until_vm_goes(self):
        n = self.net("dep")
        self.vm("vm-dep", n)
        for path in ("/spider/vpc/dep-vpc/subnet/dep-subnet",
                     "/spider/securitygroup/dep-sg",
                     "/spider/keypair/dep-kp", "/spider/vpc/dep-vpc"):
            with self.subTest(path=path):
                msg = self.err(self.delete(path), 409, "force=true")
                # the VPC may name its SG or the VM as the user
                if path.endswith("vpc"):
                    self.assertTrue("vm-dep" in msg or "dep-sg" in msg, msg)
                else:
                    self.assertIn("vm-dep", msg)
                self.assertEqual(self.call("GET", path).status, 200)
        cnt = self.count("vm")
        self.assertEqual(self.delete_ok("/spider/vm/vm-dep"),
                         {"Status": "Terminated"})
        self.assertEqual(self.count("vm"), cnt - 1)
        self.err(self.call("GET", "/spider/vm/vm-dep"), 404)
        self.err(self.call("GET", "/spider/vmstatus/vm-dep"), 404)
        self.assertNotIn("vm-dep", self.all_view("vm")["OnlyCSPList"])
        for path in ("/spider/vpc/dep-vpc/subnet/dep-subnet",
                     "/spider/securitygroup/dep-sg", "/spider/keypair/dep-kp",
                     "/spider/vpc/dep-vpc"):
            with self.subTest(path=path):
                self.assertEqual(self.delete_ok(path), {"Result": "true"})

    def test_force_delete_of_used_resources(self):
        n = self.net("frc")
        self.vm("vm-frc", n)
        for path in ("/spider/securitygroup/frc-sg", "/spider/keypair/frc-kp"):
            with self.subTest(path=path):
                self.assertEqual(self.delete_ok(path, force=True),
                                 {"Result": "true"})
                self.err(self.call("GET", path), 404)
        self.assertEqual(self.delete_ok("/spider/vm/vm-frc", force=True),
                         {"Status": "Terminated"})
        self.err(self.call("GET", "/spider/vm/vm-frc"), 404)


class MyImageTest(ResTestCase):
    CONNECTIONS = [(C, "res-vm-img", (), ())]
    NET = "m"
    VMS = ("vm-src",)

    def test_snapshot_and_boot(self):
        n = self.count("myimage")
        img = self.create("myimage", {"Name": "img-01", "SourceVM": "vm-src"})
        self.assert_iid(img["IId"], "img-01")
        self.assertEqual(img["SourceVM"], self.vms["vm-src"]["IId"])
        self.assertEqual(img["Status"], "Available")
        self.assertEqual(self.count("myimage"), n + 1)
        got = self.get("/spider/myimage/img-01")
        self.assertEqual((got["IId"], got["SourceVM"]),
                         (img["IId"], img["SourceVM"]))
        lst = self.get("/spider/myimage")
        self.assertEqual(list(lst), ["myImage"])
        self.assertIn("img-01", names(i["IId"] for i in lst["myImage"]))
        vm = self.vm("vm-from-img", self.n, ImageType="MyImage",
                     ImageName="img-01")
        self.assertEqual(vm["ImageType"], "MyImage")
        self.assertEqual(vm["ImageIId"], img["IId"])
        self.assertEqual(self.status("vm-from-img"), "Running")
        self.assertEqual(self.delete_ok("/spider/vm/vm-from-img"),
                         {"Status": "Terminated"})
        self.assertEqual(self.delete_ok("/spider/myimage/img-01"),
                         {"Result": "true"})
        self.assertEqual(self.count("myimage"), n)
        self.err(self.call("GET", "/spider/myimage/img-01"), 404,
                 message="The MyImage 'img-01' does not exist!")

    def test_bad_input_duplicate_not_found(self):
        self.err(self.call("POST", "/spider/myimage",
                           {"Name": "img-x", "SourceVM": ""}), 400,
                 "SourceVM")
        self.err(self.call("POST", "/spider/myimage",
                           {"Name": "img x", "SourceVM": "vm-src"}), 400,
                 "img x")
        self.err(self.call("POST", "/spider/myimage",
                           {"Name": "img-x", "SourceVM": "nope"}), 404,
                 message="The VM 'nope' does not exist!")
        self.create("myimage", {"Name": "img-dup", "SourceVM": "vm-src"})
        self.err(self.call("POST", "/spider/myimage",
                           {"Name": "img-dup", "SourceVM": "vm-src"}), 409,
                 message=f"MyImage 'img-dup' already exists in connection "
                         f"'{C}'")
        for m in ("GET", "DELETE"):
            self.err(self.call(m, "/spider/myimage/nope"), 404,
                     message="The MyImage 'nope' does not exist!")


if __name__ == "__main__":
    unittest.main()
