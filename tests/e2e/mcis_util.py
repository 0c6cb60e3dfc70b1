"""Shared set-up for the service-layer tests (tests/e2e/test_mcis*.py): a
daemon with mock connections, and short-hands for the MCIS routes of
docs/api.md ("Multi-cloud services")."""
import json
import os
import socket
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, check_error, wait_for  # noqa: E402
from res_util import SANITIZED, SLOW, IMAGE, SPEC  # noqa: E402,F401

CODES = {400: "BadRequest", 404: "NotFound", 409: "Conflict",
         502: "CloudError", 503: "Unavailable", 504: "CloudTimeout"}


class McisTestCase(unittest.TestCase):
    """A daemon with CONNECTIONS: tuples (name, mock_name, cred_extra,
    region_extra)."""

    CONNECTIONS = ()
    ENV = {}

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(env=dict(cls.ENV)).start()
        try:
            for name, mock, cred, region in cls.CONNECTIONS:
                cls.d.add_mock_connection(name, mock, cred_extra=cred,
                                          region_extra=region)
        except BaseException:
            cls.d.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    # --- plain calls -----------------------------------------------------
    def ok(self, method, path, body=None, status=200, headers=None):
        r = self.d.request(method, path, body, headers=headers)
        self.assertEqual(r.status, status, (method, path, body, r))
        return r.json()

    def err(self, resp, status, *contains):
        return check_error(self, resp, status, CODES[status],
                           contains=contains)

    def ns(self, name):
        self.ok("POST", "/spider/ns", {"name": name, "description": "test"})
        self.addCleanup(lambda: self.d.request("DELETE", f"/spider/ns/{name}?force=true"))
        return name

    # --- requests --------------------------------------------------------
    def follow(self, req_id, timeout=60):
        """Poll a request until it ends; return its final document."""
        last = {}

        def done():
            last["r"] = self.ok("GET", f"/spider/request/{req_id}")
            return last["r"]["status"] != "Handling"
        self.assertTrue(wait_for(done, timeout * SLOW, 0.05),
                        f"request {req_id} still running: {last}")
        return last["r"]

    def run_async(self, method, path, body=None, want="Success", **kw):
        """Start a long call (202), follow it; return the request doc."""
        r = self.d.request(method, path, body, **kw)
        self.assertEqual(r.status, 202, r)
        out = r.json()
        self.assertEqual(r.headers.get("Location"), out["location"])
        doc = self.follow(out["requestId"])
        self.assertEqual(doc["status"], want, doc)
        return doc

    def wait_call(self, method, path, body=None, status=200):
        sep = "&" if "?" in path else "?"
        return self.ok(method, path + sep + "wait=true", body, status)

    # --- MCIS ------------------------------------------------------------
    def static_net(self, conn, prefix):
        """A VPC, subnet, security group and key pair on conn."""
        def post(kind, info):
            r = self.d.request("POST", "/spider/" + kind,
                               {"ConnectionName": conn, "ReqInfo": info})
            self.assertEqual(r.status, 200, r)
            return r.json()
        post("vpc", {"Name": prefix + "-vpc", "IPv4_CIDR": "10.0.0.0/16",
                     "SubnetInfoList": [{"Name": prefix + "-sn",
                                         "IPv4_CIDR": "10.0.1.0/24"}]})
        post("securitygroup", {
            "Name": prefix + "-sg", "VPCName": prefix + "-vpc",
            "SecurityRules": [{"Direction": "inbound", "IPProtocol": "TCP",
                               "FromPort": "22", "ToPort": "22",
                               "CIDR": "0.0.0.0/0"}]})
        key = post("keypair", {"Name": prefix + "-key"})
        return {"vNetId": prefix + "-vpc", "subnetId": prefix + "-sn",
                "securityGroupIds": [prefix + "-sg"],
                "sshKeyId": prefix + "-key", "privateKey": key["PrivateKey"]}

    def static_entry(self, name, conn, net, size=1, **extra):
        e = {"name": name, "subGroupSize": str(size), "connectionName": conn,
             "specId": SPEC, "imageId": IMAGE}
        e.update({k: v for k, v in net.items() if k != "privateKey"})
        e.update(extra)
        return e

    def dynamic_entry(self, name, conn, size=1, **extra):
        e = {"name": name, "subGroupSize": size,
             "commonSpec": f"{conn}+{SPEC}", "commonImage": f"{conn}+{IMAGE}"}
        e.update(extra)
        return e

    def status(self, ns, mcis):
        return self.ok("GET", f"/spider/ns/{ns}/mcis/{mcis}?option=status")["status"]

    def vm_statuses(self, ns, mcis):
        return {v["id"]: v["status"] for v in self.status(ns, mcis)["vm"]}

    def spider_vms(self, conn):
        r = self.d.get("/spider/vm?ConnectionName=" + urllib.parse.quote(conn))
        self.assertEqual(r.status, 200, r)
        return sorted(v["IId"]["NameId"] for v in r.json()["vm"])

    def spider_names(self, kind, conn):
        key = {"vpc": "vpc", "securitygroup": "securitygroup",
               "keypair": "keypair"}[kind]
        r = self.d.get(f"/spider/{kind}?ConnectionName=" + urllib.parse.quote(conn))
        self.assertEqual(r.status, 200, r)
        return sorted(v["IId"]["NameId"] for v in r.json()[key])


class EventStream:
    """A raw SSE client on /spider/events: .events() yields parsed events
    until the deadline."""

    def __init__(self, d, query=""):
        u = urllib.parse.urlparse(d.url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=5)
        from harness import basic_auth
        self.sock.sendall((f"GET /spider/events{query} HTTP/1.1\r\nHost: x\r\n"
                           f"Authorization: {basic_auth()}\r\n\r\n").encode())
        self.buf = b""

    def close(self):
        self.sock.close()

    def events(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n\n" in self.buf:
                block, self.buf = self.buf.split(b"\n\n", 1)
                for line in block.decode(errors="replace").splitlines():
                    if line.startswith("data: "):
                        try:
                            yield json.loads(line[6:])
                        except ValueError:
                            pass
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return
            if not chunk:
                return
            self.buf += chunk
