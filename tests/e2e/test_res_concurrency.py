"""Concurrency (reference §16 #15, §17 "Concurrency"): many parallel VM
creates, reads that never wait for a long create or terminate, and
exactly one winner when two creates race for one name.

SPIDER_E2E_VM_COUNT sets the number of parallel creates (default 200)."""
import os
import sys
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import wait_for  # noqa: E402
from res_util import (SLOW, Background, ResTestCase,  # noqa: E402
                      timed)

VM_COUNT = int(os.environ.get("SPIDER_E2E_VM_COUNT", "200"))
CONNS = 10
DELAY_MS = 3000
QUICK = 1.0 * SLOW  # a read must answer within this many seconds


class ParallelCreateTest(ResTestCase):
    CONNECTIONS = [(f"res-par-{i}", f"res-par-{i}", (), ())
                   for i in range(CONNS)]

    def test_parallel_vm_creates(self):
        nets = {}
        for name, *_ in self.CONNECTIONS:
            nets[name] = self.net("p", conn=name)
        jobs = [(f"res-par-{i % CONNS}", f"vm-{i:03d}")
                for i in range(VM_COUNT)]

        def create(job):
            conn, vm = job
            return self.call("POST", "/spider/vm",
                             self.vm_req(vm, nets[conn]), conn=conn)
        with ThreadPoolExecutor(max_workers=min(VM_COUNT, 100)) as pool:
            results = list(pool.map(create, jobs))
        bad = [(j, r) for j, r in zip(jobs, results) if r.status != 200]
        self.assertEqual(bad, [])
        ids = [r.json()["IId"]["SystemId"] for r in results]
        self.assertEqual(len(set(ids)), VM_COUNT)
        self.assertEqual(self.get("/spider/countvm")["count"], VM_COUNT)
        per_conn = {c: sum(1 for j in jobs if j[0] == c) for c in nets}
        for conn, want in per_conn.items():
            with self.subTest(conn=conn):
                self.assertEqual(self.count("vm", conn), want)
                sts = self.get("/spider/vmstatus", conn=conn)["vmstatus"]
                self.assertEqual(len(sts), want)
                self.assertEqual({s["VmStatus"] for s in sts}, {"Running"})
                view = self.all_view("vm", conn)
                self.assertEqual(len(view["MappedList"]), want)
                self.assertEqual(view["OnlyCSPList"], [])


class NoWaitingReadsTest(ResTestCase):
    """Reads of a VM answer at once while a long create or terminate runs."""
    CONNECTIONS = [("res-slow", "res-slow",
                    [("MockCreateDelayMs", str(DELAY_MS)),
                     ("MockTerminateDelayMs", str(DELAY_MS))], ())]
    NET = "s"

    def quick(self, method, path, **kw):
        r, took = timed(self.call, method, path, **kw)
        self.assertLess(took, QUICK, (method, path, r))
        return r

    def started(self, vm):
        """Wait until the request in the background has reached the
        daemon: the VM's status can be read."""
        ok = wait_for(lambda: self.call("GET", "/spider/vmstatus/" + vm)
                      .status == 200, 5 * SLOW)
        self.assertTrue(ok, vm)

    def listed(self):
        r = self.quick("GET", "/spider/vm")
        self.assertEqual(r.status, 200, r)
        return sorted(v["IId"]["NameId"] for v in r.json()["vm"])

    def test_reads_during_create_and_terminate(self):
        # create vm-a: it is Creating and listed while the cloud works
        bg = Background(self.call, "POST", "/spider/vm",
                        self.vm_req("vm-a", self.n))
        t0 = time.monotonic()
        bg.start()
        self.started("vm-a")
        r = self.quick("GET", "/spider/vmstatus/vm-a")
        self.assertEqual((r.status, r.json()), (200, {"Status": "Creating"}))
        self.assertIn("vm-a", self.listed())
        sts = self.quick("GET", "/spider/vmstatus").json()["vmstatus"]
        self.assertIn("Creating", [s["VmStatus"] for s in sts
                                   if s["IId"]["NameId"] == "vm-a"])
        self.err(self.quick("POST", "/spider/vm", info=self.vm_req(
            "vm-a", self.n)), 409, "vm-a")
        self.err(self.quick("DELETE", "/spider/vm/vm-a"), 409, "vm-a",
                 "being created")
        r = bg.join_result()
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(time.monotonic() - t0, DELAY_MS / 1000 - 0.2)
        self.assertEqual(self.status("vm-a"), "Running")

        # terminate vm-a while creating vm-b
        gone = Background(self.call, "DELETE", "/spider/vm/vm-a")
        made = Background(self.call, "POST", "/spider/vm",
                          self.vm_req("vm-b", self.n))
        gone.start()
        made.start()
        self.started("vm-b")
        self.assertTrue(wait_for(lambda: self.status("vm-a") ==
                                 "Terminating", 5 * SLOW))
        for _ in range(2):
            r = self.quick("GET", "/spider/vmstatus/vm-a")
            self.assertEqual((r.status, r.json()),
                             (200, {"Status": "Terminating"}))
            r = self.quick("GET", "/spider/vm/vm-a")
            self.assertIn(r.status, (200, 409), r)
            r = self.quick("GET", "/spider/vmstatus/vm-b")
            self.assertEqual((r.status, r.json()),
                             (200, {"Status": "Creating"}))
            self.assertEqual(self.listed(), ["vm-a", "vm-b"])
            time.sleep(0.2)
        self.err(self.quick("DELETE", "/spider/vm/vm-a"), 409, "vm-a",
                 "being deleted")
        self.err(self.quick("PUT", "/spider/controlvm/vm-a",
                            query={"action": "suspend"}), 409, "vm-a")
        r = gone.join_result()
        self.assertEqual((r.status, r.json()), (200, {"Status": "Terminated"}))
        r = made.join_result()
        self.assertEqual(r.status, 200, r)
        self.err(self.call("GET", "/spider/vmstatus/vm-a"), 404)
        self.assertEqual(self.status("vm-b"), "Running")
        self.assertEqual(self.listed(), ["vm-b"])


class ControlDelayTest(ResTestCase):
    """Suspend, resume and reboot take a while: the transitional status
    shows at once, and a second action meanwhile is refused."""
    STEP_MS = 800
    CONNECTIONS = [("res-ctl", "res-ctl",
                    [("MockSuspendDelayMs", str(STEP_MS)),
                     ("MockResumeDelayMs", str(STEP_MS))],
                    [("MockRebootDelayMs", str(STEP_MS))])]

    def test_transitional_statuses(self):
        self.vm("vm-c", self.net("c"))
        for action, shown, then in (("suspend", "Suspending", "Suspended"),
                                    ("resume", "Resuming", "Running"),
                                    ("reboot", "Rebooting", "Running")):
            with self.subTest(action=action):
                r, took = timed(self.call, "PUT", "/spider/controlvm/vm-c",
                                query={"action": action})
                self.assertEqual((r.status, r.json()),
                                 (200, {"Status": shown}))
                self.assertLess(took, QUICK)
                self.assertEqual(self.status("vm-c"), shown)
                self.err(self.call("PUT", "/spider/controlvm/vm-c",
                                   query={"action": action}), 409, shown)
                self.assertEqual(self.wait_status("vm-c", then), then)


class SameNameRaceTest(ResTestCase):
    CONNECTIONS = [("res-race", "res-race",
                    [("MockCreateDelayMs", "500")], ()),
                   ("res-race-lat", "res-race-lat",
                    [("MockLatencyMs", "300")], ())]
    NET = "r"

    def race(self, method, path, info, conn=None):
        """Send the same request twice at once; the sorted statuses."""
        gate = threading.Barrier(2)

        def go():
            gate.wait()
            return self.call(method, path, info, conn=conn)
        with ThreadPoolExecutor(max_workers=2) as pool:
            rs = list(pool.map(lambda _: go(), range(2)))
        return sorted(rs, key=lambda r: r.status)

    def test_two_creates_of_one_vm(self):
        for name in ("vm-r1", "vm-r2", "vm-r3"):
            with self.subTest(name=name):
                ok, lost = self.race("POST", "/spider/vm",
                                     self.vm_req(name, self.n))
                self.assertEqual(ok.status, 200, ok)
                self.err(lost, 409, name)
                self.assertEqual(self.status(name), "Running")
        self.assertEqual(self.count("vm"), 3)
        self.assertEqual(len(self.all_view("vm")["MappedList"]), 3)
        self.assertEqual(self.all_view("vm")["OnlyCSPList"], [])

    def test_two_creates_of_one_vpc_and_keypair(self):
        conn = "res-race-lat"
        for kind, info in [("vpc", {"Name": "vpc-r1",
                                    "IPv4_CIDR": "10.0.0.0/16"}),
                           ("vpc", {"Name": "vpc-r2",
                                    "IPv4_CIDR": "10.0.0.0/16"}),
                           ("keypair", {"Name": "kp-r1"})]:
            with self.subTest(name=info["Name"]):
                ok, lost = self.race("POST", "/spider/" + kind, info, conn)
                self.assertEqual(ok.status, 200, ok)
                self.err(lost, 409, info["Name"])
                self.assertEqual(self.all_view(kind, conn)["OnlyCSPList"], [])
        self.assertEqual(self.count("vpc", conn), 2)
        self.assertEqual(self.count("keypair", conn), 1)

    def test_two_deletes_of_one_vm(self):
        self.vm("vm-d1", self.n)
        ok, lost = self.race("DELETE", "/spider/vm/vm-d1", None)
        self.assertEqual((ok.status, ok.json()),
                         (200, {"Status": "Terminated"}))
        self.assertIn(lost.status, (404, 409), lost)
        self.err(self.call("GET", "/spider/vm/vm-d1"), 404)


if __name__ == "__main__":
    unittest.main()
