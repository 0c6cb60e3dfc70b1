"""Multi-cloud services over HTTP: namespaces, both create forms over two
mock connections, requests, the partial-failure policies, status strings,
bad input, events, and survival of a restart (docs/api.md, "Multi-cloud
services")."""
import datetime
import json
import os
import socket
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, basic_auth, wait_for  # noqa: E402
from mcis_util import EventStream, McisTestCase, SLOW  # noqa: E402

A, B, F = "mcis-a", "mcis-b", "mcis-fail"
DELAYS = [("MockCreateDelayMs", "50"), ("MockSuspendDelayMs", "50"),
          ("MockResumeDelayMs", "50"), ("MockTerminateDelayMs", "50")]


class NamespaceTest(McisTestCase):
    CONNECTIONS = [(A, "ma", (), DELAYS)]

    def test_crud(self):
        info = self.ok("POST", "/spider/ns", {"name": "ns-crud", "description": "d1"})
        self.assertEqual(info, {"id": "ns-crud", "name": "ns-crud", "description": "d1"})
        self.err(self.d.post("/spider/ns", {"name": "ns-crud"}), 409, "already exists")
        self.assertIn(info, self.ok("GET", "/spider/ns")["ns"])
        self.assertEqual(self.ok("GET", "/spider/checkNs/ns-crud"), {"exists": True})
        self.assertEqual(self.ok("PUT", "/spider/ns/ns-crud", {"description": "d2"})["description"], "d2")
        self.assertEqual(self.ok("GET", "/spider/ns/ns-crud")["description"], "d2")
        self.err(self.d.put("/spider/ns/ns-crud", {"name": "other"}), 400, "cannot be renamed")
        self.ok("DELETE", "/spider/ns/ns-crud")
        self.err(self.d.get("/spider/ns/ns-crud"), 404, "namespace 'ns-crud' does not exist")
        self.assertEqual(self.ok("GET", "/spider/checkNs/ns-crud"), {"exists": False})

    def test_bad_names(self):
        for bad, part in (("", "name is empty!"), ("Upper", "invalid"), ("-x", "invalid"),
                          ("a_b", "invalid"), ("x" * 64, "at most 63")):
            self.err(self.d.post("/spider/ns", {"name": bad}), 400, part)
        self.err(self.d.post("/spider/ns", ["x"]), 400, "JSON object")
        self.err(self.d.post("/spider/ns", {"name": "ok", "description": "x" * 2000}), 400, "description")

    def test_delete_refused_while_not_empty_unless_forced(self):
        ns = self.ns("ns-full")
        self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic",
                       {"name": "m1", "vm": [self.dynamic_entry("g1", A)]})
        self.err(self.d.delete(f"/spider/ns/{ns}"), 409, "not empty", "m1")
        self.ok("DELETE", f"/spider/ns/{ns}?force=true")
        self.assertEqual(self.spider_vms(A), [])
        self.assertNotIn(f"{ns}-systemdefault-{A}", self.spider_names("vpc", A))


class CreateTest(McisTestCase):
    CONNECTIONS = [(A, "ma", (), DELAYS), (B, "mb", (), DELAYS)]

    def test_static_over_two_connections(self):
        ns = self.ns("ns-static")
        na, nb = self.static_net(A, "sa"), self.static_net(B, "sb")
        out = self.wait_call("POST", f"/spider/ns/{ns}/mcis", {
            "name": "web", "description": "two clouds", "label": "l1",
            "vm": [self.static_entry("g1", A, na, size=2),
                   self.static_entry("g2", B, nb, vmUserAccount="ops")]})
        self.assertEqual(out["status"], "Running:3 (R:3/3)")
        self.assertEqual(out["statusCount"]["countRunning"], 3)
        self.assertEqual(sorted(out["newVmList"]), ["g1-1", "g1-2", "g2-1"])
        self.assertEqual(out["creationErrors"]["failedVmCount"], 0)
        vms = {v["id"]: v for v in out["vm"]}
        self.assertEqual(vms["g1-1"]["connectionName"], A)
        self.assertEqual(vms["g2-1"]["vmUserAccount"], "ops")
        self.assertEqual(vms["g1-1"]["vNetId"], "sa-vpc")
        self.assertTrue(vms["g1-1"]["idByCSP"])
        self.assertEqual(vms["g1-1"]["cspViewVmDetail"]["IId"]["NameId"], f"{ns}-web-g1-1")
        # Where each VM is: the mock's "default" region says Seoul.
        self.assertEqual(vms["g2-1"]["location"], {"latitude": 37.6, "longitude": 127, "briefAddr": "Seoul, KR",
                                                   "cloudType": "mock", "nativeRegion": "default"})
        self.assertEqual(self.spider_vms(A), [f"{ns}-web-g1-1", f"{ns}-web-g1-2"])
        self.assertEqual(self.spider_vms(B), [f"{ns}-web-g2-1"])

        # Reads: the list, ids, one VM, subGroups, access info.
        self.assertEqual([m["id"] for m in self.ok("GET", f"/spider/ns/{ns}/mcis")["mcis"]], ["web"])
        self.assertEqual(self.ok("GET", f"/spider/ns/{ns}/mcis?option=id"), {"output": ["web"]})
        self.assertEqual(self.ok("GET", f"/spider/ns/{ns}/mcis/web/vm/g2-1")["subGroupId"], "g2")
        sgs = {g["id"]: g for g in self.ok("GET", f"/spider/ns/{ns}/mcis/web/subgroup")["subGroup"]}
        self.assertEqual(sgs["g1"]["vmId"], ["g1-1", "g1-2"])
        self.assertEqual(sgs["g1"]["subGroupSize"], 2)
        acc = self.ok("GET", f"/spider/ns/{ns}/mcis/web?option=accessinfo")["mcisAccessInfo"]
        self.assertEqual(len(acc["mcisSubGroupAccessInfo"]), 2)

        # Grow: a new VM entry, then scale a subGroup out after its highest index.
        grown = self.wait_call("POST", f"/spider/ns/{ns}/mcis/web/vm", self.static_entry("g3", A, na))
        self.assertEqual(grown["newVmList"], ["g3-1"])
        scaled = self.wait_call("POST", f"/spider/ns/{ns}/mcis/web/subgroup/g1", {"numVMsToAdd": "2"})
        self.assertEqual(scaled["newVmList"], ["g1-3", "g1-4"])
        self.assertEqual(self.status(ns, "web")["status"], "Running:6 (R:6/6)")
        self.err(self.d.post(f"/spider/ns/{ns}/mcis/web/subgroup/nope?wait=true", {"numVMsToAdd": 1}), 404, "subGroup 'nope'")
        self.err(self.d.post(f"/spider/ns/{ns}/mcis/web/subgroup/g1", {"numVMsToAdd": "0"}), 400, "numVMsToAdd")

        # Delete: refused while VMs run, then with terminate.
        self.err(self.d.delete(f"/spider/ns/{ns}/mcis/web"), 409, "not terminated")
        self.wait_call("DELETE", f"/spider/ns/{ns}/mcis/web?option=terminate")
        self.assertEqual(self.spider_vms(A), [])
        self.assertEqual(self.spider_vms(B), [])
        self.err(self.d.get(f"/spider/ns/{ns}/mcis/web"), 404, "MCIS 'web' does not exist")
        # Static resources belong to the user: they stay.
        self.assertIn("sa-vpc", self.spider_names("vpc", A))

    def test_dynamic_makes_defaults_once_and_removes_them_with_the_last_user(self):
        ns = self.ns("ns-dyn")
        body = {"name": "d1", "vm": [self.dynamic_entry("g1", A, 2),
                                     {"name": "g2", "subGroupSize": "1", "connectionName": B,
                                      "commonSpec": "mock-vmspec-01", "commonImage": "mock-vmimage-01"}]}
        doc = self.run_async("POST", f"/spider/ns/{ns}/mcisDynamic", body)
        res = doc["result"]
        self.assertEqual(res["status"], "Running:3 (R:3/3)")
        self.assertEqual(res["systemLabel"], "dynamic")
        self.assertEqual(doc["progress"]["done"], 3)
        base = f"{ns}-systemdefault-{A}"
        vm = {v["id"]: v for v in res["vm"]}["g1-1"]
        self.assertEqual((vm["vNetId"], vm["subnetId"], vm["securityGroupIds"], vm["sshKeyId"]),
                         (base, base + "-subnet", [base], base))
        for kind in ("vpc", "securitygroup", "keypair"):
            self.assertEqual(self.spider_names(kind, A), [base])
        # A second dynamic MCIS reuses them.
        self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic", {"name": "d2", "vm": [self.dynamic_entry("g1", A)]})
        self.assertEqual(self.spider_names("vpc", A), [base])
        # The first goes: d2 still uses the defaults of A; B's go.
        self.wait_call("DELETE", f"/spider/ns/{ns}/mcis/d1?option=terminate")
        self.assertEqual(self.spider_names("vpc", A), [base])
        self.assertEqual(self.spider_names("vpc", B), [])
        self.wait_call("DELETE", f"/spider/ns/{ns}/mcis/d2?option=terminate")
        for kind in ("vpc", "securitygroup", "keypair"):
            self.assertEqual(self.spider_names(kind, A), [], kind)
        self.assertEqual(self.spider_vms(A), [])

    def test_requests(self):
        ns = self.ns("ns-req")
        r = self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "r1", "vm": [self.dynamic_entry("g1", A)]},
                        headers={"x-request-id": "my-create-1"})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["requestId"], "my-create-1")
        self.assertEqual(r.headers["Location"], "/spider/request/my-create-1")
        doc = self.follow("my-create-1")
        self.assertEqual((doc["status"], doc["kind"], doc["namespace"], doc["target"]),
                         ("Success", "mcisDynamicCreate", ns, "r1"))
        self.assertIn("endTime", doc)
        self.err(self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "r2", "vm": [self.dynamic_entry("g1", A)]},
                             headers={"x-request-id": "my-create-1"}), 409, "already exists")
        self.err(self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "r2", "vm": [self.dynamic_entry("g1", A)]},
                             headers={"x-request-id": "Bad Id"}), 400, "x-request-id")
        ids = [q["requestId"] for q in self.ok("GET", f"/spider/requests?ns={ns}")["request"]]
        self.assertIn("my-create-1", ids)
        self.ok("DELETE", "/spider/request/my-create-1")
        self.err(self.d.get("/spider/request/my-create-1"), 404, "does not exist")
        self.err(self.d.request("GET", "/spider/ns/x/mcis?wait=maybe"), 404, "namespace 'x'")
        self.err(self.d.post(f"/spider/ns/{ns}/mcisDynamic?wait=maybe", {"name": "r3", "vm": []}), 400, "wait")

    def test_work_goes_on_when_the_client_leaves(self):
        """A client that asked to wait and hung up while the create ran:
        the create runs to its end, and its request says how it went."""
        ns = self.ns("ns-gone")
        u = urllib.parse.urlparse(self.d.url)
        body = json.dumps({"name": "left", "vm": [self.dynamic_entry("g1", A, 2)]}).encode()
        with socket.create_connection((u.hostname, u.port), timeout=5) as sock:
            sock.sendall((f"POST /spider/ns/{ns}/mcisDynamic?wait=true HTTP/1.1\r\nHost: x\r\n"
                          f"Authorization: {basic_auth()}\r\nx-request-id: left-behind\r\n"
                          f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)
            # Hang up once the work has started (and before it can end:
            # the VMs take 50 ms each to leave Creating).
            self.assertTrue(wait_for(lambda: self.d.get("/spider/request/left-behind").status == 200, 10))
            self.assertEqual(self.ok("GET", "/spider/request/left-behind")["status"], "Handling")
        doc = self.follow("left-behind")
        self.assertEqual(doc["status"], "Success", doc)
        self.assertEqual(self.status(ns, "left")["status"], "Running:2 (R:2/2)")

    def test_events_follow_a_create(self):
        ns = self.ns("ns-ev")
        es = EventStream(self.d, f"?ns={ns}&kinds=mcis,vm,request")
        try:
            doc = self.run_async("POST", f"/spider/ns/{ns}/mcisDynamic",
                                 {"name": "e1", "vm": [self.dynamic_entry("g1", A, 2)]})
            seen = []
            for ev in es.events(5 * SLOW):
                if "kind" not in ev:
                    continue   # hello
                seen.append(ev)
                if ev["kind"] == "request" and ev["data"].get("status") == "Success":
                    break
        finally:
            es.close()
        kinds = {e["kind"] for e in seen}
        self.assertEqual(kinds, {"mcis", "vm", "request"}, seen)
        self.assertTrue(all(e["ns"] == ns for e in seen))
        running = {e["data"]["vmId"] for e in seen if e["kind"] == "vm" and e["data"]["status"] == "Running"}
        self.assertEqual(running, {"g1-1", "g1-2"})
        self.assertTrue(any(e["kind"] == "request" and e["data"]["requestId"] == doc["requestId"]
                            and e["data"]["progress"]["done"] == 1 for e in seen))


class BadInputTest(McisTestCase):
    CONNECTIONS = [(A, "ma", (), DELAYS)]

    def test_bad_creates(self):
        ns = self.ns("ns-bad")
        p = f"/spider/ns/{ns}/mcis"
        self.err(self.d.post("/spider/ns/nope/mcis", {"name": "m", "vm": [{}]}), 404, "namespace 'nope' does not exist")
        self.err(self.d.post(p, {"name": "Bad_Name", "vm": []}), 400, "name 'Bad_Name' is invalid")
        self.err(self.d.post(p, {"name": "m"}), 400, "vm is empty")
        self.err(self.d.post(p, {"name": "m", "vm": [{"name": "g1"}]}), 400, "vm 'g1'", "connectionName is empty")
        self.err(self.d.post(p, {"name": "m", "vm": [{"name": "g1", "connectionName": "nope", "specId": "s",
                                                      "imageId": "i", "vNetId": "v", "subnetId": "s",
                                                      "securityGroupIds": ["a"], "sshKeyId": "k"}]}),
                 404, "connection 'nope'")
        self.err(self.d.post(p, {"name": "m", "policyOnPartialFailure": "maybe", "vm": []}), 400, "policyOnPartialFailure")
        self.err(self.d.post(p, {"name": "m", "vm": [self.dynamic_entry("g1", A, 5000)]}), 400, "subGroupSize")
        # Dynamic: every entry is checked and every error comes back at once.
        msg = self.err(self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "m", "vm": [
            {"name": "g1", "commonSpec": f"{A}+no-such-spec", "commonImage": f"{A}+mock-vmimage-01"},
            {"name": "g2", "commonSpec": "no-conn-spec", "commonImage": "x"},
            {"name": "g3", "commonSpec": f"{A}+mock-vmspec-01", "commonImage": f"{A}+no-such-image"}]}),
            404, "vm 'g1'", "no-such-spec", "vm 'g2'", "names no connection", "vm 'g3'", "no-such-image")
        self.assertNotIn("g4", msg)
        self.err(self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "m", "vm": [
            self.dynamic_entry("g1", A), self.dynamic_entry("g1", A)]}), 400, "given twice")
        # Nothing was made by the refused requests.
        self.assertEqual(self.ok("GET", f"/spider/ns/{ns}/mcis")["mcis"], [])
        self.assertEqual(self.spider_vms(A), [])
        # Duplicate name.
        self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic", {"name": "m", "vm": [self.dynamic_entry("g1", A)]})
        self.err(self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "m", "vm": [self.dynamic_entry("g1", A)]}),
                 409, "MCIS 'm' already exists")
        self.err(self.d.get(f"/spider/ns/{ns}/mcis/m?option=nope"), 400, "option 'nope'")
        self.err(self.d.delete(f"/spider/ns/{ns}/mcis/m?option=nope"), 400, "option 'nope'")
        self.err(self.d.get(f"/spider/ns/{ns}/mcis/m/vm/zz"), 404, "VM 'zz' does not exist")


class PolicyTest(McisTestCase):
    """A create with VMs on a connection whose cloud refuses StartVM."""
    CONNECTIONS = [(A, "ma", (), DELAYS), (F, "mf", [("MockFailOp", "StartVM")], ())]

    def body(self, name, policy):
        return {"name": name, "policyOnPartialFailure": policy,
                "vm": [self.dynamic_entry("ok", A, 2), self.dynamic_entry("bad", F)]}

    def test_continue_keeps_failed_vms_with_their_errors(self):
        ns = self.ns("ns-cont")
        out = self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic", self.body("c1", "continue"))
        self.assertEqual(out["status"], "Partial-Failed:1 (R:2/3)")
        ce = out["creationErrors"]
        self.assertEqual((ce["totalVmCount"], ce["successfulVmCount"], ce["failedVmCount"],
                          ce["failureHandlingStrategy"]), (3, 2, 1, "continue"))
        err = ce["vmCreationErrors"][0]
        self.assertEqual((err["vmName"], err["phase"]), ("bad-1", "create"))
        for part in ("injected failure of 'StartVM'", f"connection '{F}'", "region 'default'"):
            self.assertIn(part, err["error"])
        # The errors stay with the MCIS too.
        kept = self.ok("GET", f"/spider/ns/{ns}/mcis/c1")["creationErrors"]
        self.assertEqual((kept["failedVmCount"], kept["vmCreationErrors"][0]["vmName"]), (1, "bad-1"))
        bad = self.ok("GET", f"/spider/ns/{ns}/mcis/c1/vm/bad-1")
        self.assertEqual(bad["status"], "Failed")
        self.assertIn("StartVM", bad["systemMessage"])
        self.assertEqual(self.spider_vms(F), [])   # no half-made VM
        # Failed VMs are listed; refine removes them.
        self.assertEqual(self.status(ns, "c1")["statusCount"]["countFailed"], 1)
        out = self.ok("GET", f"/spider/ns/{ns}/control/mcis/c1?action=refine")
        self.assertEqual(out["removed"], ["bad-1"])
        self.assertEqual(self.status(ns, "c1")["status"], "Running:2 (R:2/2)")
        self.err(self.d.get(f"/spider/ns/{ns}/control/mcis/c1/vm/ok-1?action=refine"), 400, "whole MCIS")

    def test_refine_policy_drops_failed_vms(self):
        ns = self.ns("ns-refine")
        out = self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic", self.body("r1", "refine"))
        self.assertEqual(out["status"], "Running:2 (R:2/2)")
        self.assertEqual(sorted(v["id"] for v in out["vm"]), ["ok-1", "ok-2"])
        self.assertEqual(out["creationErrors"]["failedVmCount"], 1)

    def test_rollback_leaves_nothing(self):
        ns = self.ns("ns-rb")
        doc = self.run_async("POST", f"/spider/ns/{ns}/mcisDynamic", self.body("b1", "rollback"), want="Error")
        self.assertIn("rolled back", doc["error"]["message"])
        self.assertIn("StartVM", doc["error"]["message"])
        self.err(self.d.get(f"/spider/ns/{ns}/mcis/b1"), 404, "does not exist")
        self.assertEqual(self.spider_vms(A), [])
        for kind in ("vpc", "securitygroup", "keypair"):
            self.assertEqual(self.spider_names(kind, A), [], kind)
            self.assertEqual(self.spider_names(kind, F), [], kind)

    def test_every_vm_failing_is_an_error(self):
        ns = self.ns("ns-allfail")
        r = self.d.post(f"/spider/ns/{ns}/mcisDynamic?wait=true", {"name": "f1", "vm": [self.dynamic_entry("bad", F, 2)]})
        self.err(r, 502, "every new VM failed (2; they stay in MCIS 'f1' as Failed)")
        self.assertEqual(self.status(ns, "f1")["status"], "Failed:2 (R:0/2)")
        # A failed MCIS can be deleted without terminate.
        self.ok("DELETE", f"/spider/ns/{ns}/mcis/f1")


class ConnectionCapTest(McisTestCase):
    """At most SPIDER_CONN_CALLS creates in flight per connection, across
    requests; read back from the call history (one "CB-Spider:StartVM()"
    line per whole VM create, waits included)."""
    ENV = {"SPIDER_CONN_CALLS": "2"}
    CONNECTIONS = [(A, "ma", (), [("MockCreateDelayMs", "300")]), (B, "mb", (), [("MockCreateDelayMs", "300")])]

    def peak(self, conn):
        hist = self.ok("GET", "/spider/callhistory?Limit=10000&ConnectionName=" + conn)["callhistory"]
        edges = []
        for h in hist:
            if h["CloudOSAPI"] == "CB-Spider:StartVM()":
                end = datetime.datetime.strptime(h["Time"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
                # Times are in ms: 2 ms off each end keeps a slot handed
                # over from one create to the next from looking like overlap.
                edges += [(end - float(h["ElapsedTime"]) + 0.002, 1), (end - 0.002, -1)]
        cur = best = 0
        for _, d in sorted(edges):
            cur += d
            best = max(best, cur)
        return best, len(edges) // 2

    def test_cap(self):
        ns = self.ns("ns-cap")
        first = self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "c1", "vm": [self.dynamic_entry("g", A, 4),
                                                                                self.dynamic_entry("h", B, 1)]})
        second = self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "c2", "vm": [self.dynamic_entry("g", A, 3)]})
        for r in (first, second):
            self.assertEqual(r.status, 202, r)
            self.assertEqual(self.follow(r.json()["requestId"])["status"], "Success")
        self.assertEqual(self.peak(A), (2, 7))
        self.assertEqual(self.peak(B), (1, 1))


class StatusReadTest(McisTestCase):
    """A status read asks each connection about all its VMs in one call
    (GetVMStatuses), or one VM at a time where the cloud has no such call;
    a failed read shows the VMs Undefined with the reason."""
    N, S = "mcis-onebyone", "mcis-statusfail"
    CONNECTIONS = [(A, "ma", (), ()), (N, "mn", (), [("MockStatusBatch", "off")]),
                   (S, "ms", (), [("MockFailOp", "GetVMStatuses")])]

    def calls(self, conn, api):
        hist = self.ok("GET", "/spider/callhistory?Limit=10000&ConnectionName=" + conn)["callhistory"]
        return sum(1 for h in hist if h["CloudOSAPI"] == api)

    def test_status_reads(self):
        ns = self.ns("ns-read")
        self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic", {"name": "r", "vm": [
            self.dynamic_entry("a", A, 3), self.dynamic_entry("n", self.N, 2), self.dynamic_entry("s", self.S)]})
        before = {c: (self.calls(c, "GetVMStatuses()"), self.calls(c, "GetVMStatus()")) for c in (A, self.N)}
        st = self.status(ns, "r")
        self.assertEqual(st["status"], "Partial-Running:5 (R:5/6)")
        vm = {v["id"]: v for v in st["vm"]}
        self.assertEqual(vm["s-1"]["status"], "Undefined")
        self.assertIn("status read: mock: injected failure of 'GetVMStatuses'", vm["s-1"]["systemMessage"])
        self.assertEqual({v["status"] for k, v in vm.items() if k != "s-1"}, {"Running"})
        # A: one batch call for its three VMs; N: one call per VM.
        self.assertEqual(self.calls(A, "GetVMStatuses()") - before[A][0], 1)
        self.assertEqual(self.calls(A, "GetVMStatus()") - before[A][1], 0)
        self.assertEqual(self.calls(self.N, "GetVMStatus()") - before[self.N][1], 2)
        # The list with status reads every MCIS the same way.
        lst = self.ok("GET", f"/spider/ns/{ns}/mcis?option=status")["mcis"]
        self.assertEqual([(m["id"], m["status"]) for m in lst], [("r", "Partial-Running:5 (R:5/6)")])
        # A suspended VM is seen as such through either path.
        self.wait_call("GET", f"/spider/ns/{ns}/control/mcis/r/vm/n-2?action=suspend")
        self.wait_call("GET", f"/spider/ns/{ns}/control/mcis/r/vm/a-1?action=suspend")
        vm = {v["id"]: v["status"] for v in self.status(ns, "r")["vm"]}
        self.assertEqual((vm["n-2"], vm["a-1"], vm["a-2"]), ("Suspended", "Suspended", "Running"))


class RestartTest(McisTestCase):
    CONNECTIONS = [(A, "ma", (), DELAYS)]

    def test_state_and_requests_survive(self):
        ns = self.ns("ns-keep")
        doc = self.run_async("POST", f"/spider/ns/{ns}/mcisDynamic", {"name": "k1", "vm": [self.dynamic_entry("g1", A, 2)]})
        before = self.ok("GET", f"/spider/ns/{ns}/mcis/k1")
        self.d.stop()
        self.d = Daemon(data_dir=self.d.data_dir).start()
        type(self).d = self.d
        self.assertEqual(self.ok("GET", f"/spider/ns/{ns}"), {"id": ns, "name": ns, "description": "test"})
        after = self.ok("GET", f"/spider/ns/{ns}/mcis/k1")
        self.assertEqual(after, before)
        self.assertEqual(self.status(ns, "k1")["status"], "Running:2 (R:2/2)")
        self.assertEqual(self.ok("GET", f"/spider/request/{doc['requestId']}")["status"], "Success")
        self.wait_call("DELETE", f"/spider/ns/{ns}/mcis/k1?option=terminate")
        self.assertEqual(self.spider_vms(A), [])


if __name__ == "__main__":
    unittest.main()
