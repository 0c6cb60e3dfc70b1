"""Shared set-up for the resource tests (tests/e2e/test_res_*.py): one
daemon per test class with mock connections, and short-hands for the
resource routes of reference §11-§13 (docs/api.md)."""
import os
import re
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SPIDERD, Daemon, check_error, wait_for  # noqa: E402


def _sanitized():
    """Is spiderd built with ASan or TSan?  (CMake does not say; the
    binary does.)"""
    try:
        with open(SPIDERD, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"__tsan_init" in data


SANITIZED = _sanitized()
# How much slower than a release build a sanitizer build may answer.
SLOW = 4 if SANITIZED else 1

IMAGE = "mock-vmimage-01"
WIN_IMAGE = "mock-vmimage-03"
SPEC = "mock-vmspec-01"
VM_STATUSES = {"Creating", "Running", "Suspending", "Suspended", "Resuming",
               "Rebooting", "Terminating", "Terminated", "NotExist",
               "Failed"}
# type -> (list key, display name of "The <Type> 'x' does not exist!")
TYPES = {
    "vpc": ("vpc", "VPC"),
    "securitygroup": ("securitygroup", "Security Group"),
    "keypair": ("keypair", "VM KeyPair"),
    "vm": ("vm", "VM"),
    "disk": ("disk", "Disk"),
    "myimage": ("myImage", "MyImage"),
}
SPXID_TAIL = re.compile(r"-[0-9a-v]{20}$")


def spxid_re(name):
    """The cloud name generated for name with IDTransformMode ON (§7)."""
    m = re.search(r"[A-Za-z]", name)
    cooked = re.sub(r"[^A-Za-z0-9_-]", "", name[m.start():] if m else "")
    cooked = cooked[:234].lower().replace("_", "-").replace("sg-", "sg")
    return re.compile("^" + re.escape(cooked) + r"-[0-9a-v]{20}$")


def names(iids):
    return sorted(i["NameId"] for i in iids)


def timed(fn, *args, **kw):
    t0 = time.monotonic()
    out = fn(*args, **kw)
    return out, time.monotonic() - t0


class Background(threading.Thread):
    """Run fn(*args) in a thread; .result / .error once joined."""

    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args = fn, args
        self.result = self.error = None

    def run(self):
        try:
            self.result = self.fn(*self.args)
        except BaseException as e:  # noqa: BLE001 - reported by join_result
            self.error = e

    def join_result(self, timeout=60):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError(f"{self.fn} still running after {timeout}s")
        if self.error:
            raise self.error
        return self.result


class ResTestCase(unittest.TestCase):
    """A daemon with the connections in CONNECTIONS: tuples
    (name, mock_name, cred_extra, region_extra); the first is self.conn."""

    CONNECTIONS = ()
    DAEMON_ARGS = ()
    NET = None  # if set, setUpClass makes self.n = self.net(NET)
    VMS = ()    # and on it these VMs: self.vms = {name: info}

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(args=list(cls.DAEMON_ARGS)).start()
        try:
            for name, mock, cred, region in cls.CONNECTIONS:
                cls.d.add_mock_connection(name, mock, cred_extra=cred,
                                          region_extra=region)
            cls.conn = cls.CONNECTIONS[0][0] if cls.CONNECTIONS else None
            h = cls()  # an instance, for the helpers
            if cls.NET:
                cls.n = h.net(cls.NET)
                cls.vms = {v: h.vm(v, cls.n) for v in cls.VMS}
            cls.prepare(h)
        except BaseException:
            cls.d.cleanup()
            raise

    @classmethod
    def prepare(cls, h):
        """What a class makes for all its tests, through the helpers of h
        (after the connections and NET)."""

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    # --- raw calls --------------------------------------------------------
    def call(self, method, path, info=None, conn=None, top=None, query=None,
             body=True):
        """method path with {"ConnectionName", "ReqInfo": info, **top} (a
        GET puts ConnectionName and query in the URL instead)."""
        conn = conn or self.conn
        if method == "GET":
            q = {"ConnectionName": conn, **(query or {})}
            sep = "&" if "?" in path else "?"
            return self.d.get(path + sep + urllib.parse.urlencode(q),
                              {"ReqInfo": info} if info is not None else None)
        if query:
            sep = "&" if "?" in path else "?"
            path += sep + urllib.parse.urlencode(query)
        payload = {"ConnectionName": conn}
        if info is not None:
            payload["ReqInfo"] = info
        payload.update(top or {})
        return self.d.request(method, path, payload if body else None)

    def ok(self, method, path, info=None, **kw):
        r = self.call(method, path, info, **kw)
        self.assertEqual(r.status, 200, (method, path, info, r))
        return r.json()

    def err(self, resp, status, *contains, message=None):
        code = {400: "BadRequest", 404: "NotFound", 409: "Conflict",
                501: "NotImplemented", 502: "CloudError",
                504: "CloudTimeout"}[status]
        return check_error(self, resp, status, code, message=message,
                           contains=contains)

    def get(self, path, **kw):
        return self.ok("GET", path, **kw)

    def count(self, kind, conn=None):
        """Rows of one connection (GET /countX alone counts them all)."""
        r = self.d.get(f"/spider/count{kind}/{conn or self.conn}")
        self.assertEqual(r.status, 200, r)
        return r.json()["count"]

    def all_view(self, kind, conn=None):
        lst = self.get("/spider/all" + kind, conn=conn)["AllList"]
        return {k: names(lst[k]) for k in ("MappedList", "OnlySpiderList",
                                           "OnlyCSPList")}

    def status(self, vm, conn=None):
        return self.get("/spider/vmstatus/" + vm, conn=conn)["Status"]

    def wait_status(self, vm, want, timeout=10, conn=None):
        """Poll the VM's status until it is want; return the last seen."""
        last = []

        def check():
            last.append(self.status(vm, conn))
            return last[-1] == want
        wait_for(check, timeout * SLOW)
        return last[-1]

    # --- creates ---------------------------------------------------------
    def create(self, kind, info, conn=None, top=None):
        return self.ok("POST", "/spider/" + kind, info, conn=conn, top=top)

    def vpc(self, name, cidr="10.0.0.0/16",
            subnets=(("subnet-01", "10.0.1.0/24"),), conn=None, top=None):
        return self.create("vpc", {
            "Name": name, "IPv4_CIDR": cidr,
            "SubnetInfoList": [{"Name": s, "IPv4_CIDR": c}
                               for s, c in subnets]}, conn, top)

    def sg(self, name, vpc, rules=None, conn=None, top=None):
        if rules is None:
            rules = [{"Direction": "inbound", "IPProtocol": "TCP",
                      "FromPort": "22", "ToPort": "22",
                      "CIDR": "0.0.0.0/0"}]
        return self.create("securitygroup", {
            "Name": name, "VPCName": vpc, "SecurityRules": rules}, conn, top)

    def keypair(self, name, conn=None, top=None):
        return self.create("keypair", {"Name": name}, conn, top)

    def disk(self, name, size="100", dtype="SSD", conn=None, top=None):
        return self.create("disk", {"Name": name, "DiskType": dtype,
                                    "DiskSize": size}, conn, top)

    def vm_req(self, name, net, **extra):
        """A VM ReqInfo on net = (vpc, subnet, sg, keypair)."""
        vpc, subnet, sg, kp = net
        info = {"Name": name, "ImageName": IMAGE, "VMSpecName": SPEC,
                "VPCName": vpc, "SubnetName": subnet,
                "SecurityGroupNames": [sg], "KeyPairName": kp}
        info.update(extra)
        return info

    def vm(self, name, net, conn=None, top=None, **extra):
        return self.create("vm", self.vm_req(name, net, **extra), conn, top)

    def net(self, prefix, conn=None):
        """vpc, subnet, SG and key pair named <prefix>-vpc etc."""
        n = (f"{prefix}-vpc", f"{prefix}-subnet", f"{prefix}-sg",
             f"{prefix}-kp")
        # the subnet through its own route: VPC create with an inline
        # SubnetInfoList is tested on its own (test_res_net)
        self.vpc(n[0], subnets=(), conn=conn)
        self.ok("POST", f"/spider/vpc/{n[0]}/subnet",
                {"Name": n[1], "Zone": "", "IPv4_CIDR": "10.0.1.0/24"},
                conn=conn)
        self.sg(n[2], n[0], conn=conn)
        self.keypair(n[3], conn=conn)
        return n

    def delete(self, path, conn=None, force=False, info=None):
        return self.call("DELETE", path, info, conn=conn,
                         query={"force": "true"} if force else None)

    def delete_ok(self, path, conn=None, force=False, info=None):
        r = self.delete(path, conn, force, info)
        self.assertEqual(r.status, 200, (path, r))
        return r.json()

    # --- checks ----------------------------------------------------------
    def assert_iid(self, iid, name, transformed=True):
        """A user-facing IID: the user's name, and the cloud ID made from
        it (spXID with IDTransformMode ON, the name itself with OFF)."""
        self.assertEqual(set(iid), {"NameId", "SystemId"}, iid)
        self.assertEqual(iid["NameId"], name, iid)
        if transformed:
            self.assertRegex(iid["SystemId"], spxid_re(name))
        else:
            self.assertEqual(iid["SystemId"], name, iid)

    def assert_error_items(self, items, *contains):
        """Every item of a list is a stub whose KeyValueList has an Error."""
        self.assertTrue(items)
        for it in items:
            kv = {e["Key"]: e["Value"] for e in it.get("KeyValueList") or []}
            self.assertIn("Error", kv, it)
            self.assertIn("IId", it)
            for part in contains:
                self.assertIn(part, kv["Error"].lower(), it)
