"""MCIS lifecycle over HTTP: every action concurrently and in sequence (the
order shown by the timestamps), the state guard and force, subGroup and
single-VM scope, failures in a sequence, status strings, and a status read
while an action runs (docs/api.md, "Lifecycle")."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcis_util import McisTestCase, SLOW  # noqa: E402

A, B, S = "life-a", "life-b", "life-nosuspend"
DELAY_MS = 150
DELAYS = [(k, str(DELAY_MS)) for k in ("MockCreateDelayMs", "MockSuspendDelayMs", "MockResumeDelayMs",
                                        "MockRebootDelayMs", "MockTerminateDelayMs")]


class LifecycleTest(McisTestCase):
    CONNECTIONS = [(A, "la", (), DELAYS), (B, "lb", (), DELAYS),
                   (S, "ls", [("MockFailOp", "SuspendVM")], DELAYS)]

    def make(self, name, groups=None):
        ns = self.ns("ns-" + name)
        groups = groups or [self.dynamic_entry("g1", A, 2), self.dynamic_entry("g2", B)]
        self.wait_call("POST", f"/spider/ns/{ns}/mcisDynamic", {"name": name, "vm": groups})
        return ns, f"/spider/ns/{ns}/control/mcis/{name}"

    def act(self, path, query, want="Success"):
        return self.run_async("GET", path + "?" + query, want=want)

    def test_every_action_concurrently(self):
        ns, ctl = self.make("conc")
        for action, status, string in (("suspend", "Suspended", "Suspended:3 (R:0/3)"),
                                       ("resume", "Running", "Running:3 (R:3/3)"),
                                       ("reboot", "Running", "Running:3 (R:3/3)"),
                                       ("terminate", "Terminated", "Terminated:3 (R:0/3)")):
            doc = self.act(ctl, f"action={action}")
            res = doc["result"]
            self.assertEqual((res["action"], res["mode"]), (action, "concurrent"))
            self.assertEqual({r["vmId"]: r["status"] for r in res["results"]},
                             {"g1-1": status, "g1-2": status, "g2-1": status})
            st = self.status(ns, "conc")
            self.assertEqual(st["status"], string, action)
            self.assertEqual((st["targetAction"], st["targetStatus"]), ("None", "None"))
            # All at once: every VM started before any had finished.
            starts = sorted(r["startTime"] for r in res["results"])
            ends = sorted(r["endTime"] for r in res["results"])
            self.assertLess(starts[-1], ends[0], res)
        self.assertEqual(self.spider_vms(A), [])
        self.err(self.d.get(ctl + "?action=resume"), 409, "Terminated")

    def test_every_action_in_sequence(self):
        ns, ctl = self.make("seq")
        order = ["g2-1", "g1-2", "g1-1"]
        for action, status in (("suspend", "Suspended"), ("resume", "Running"),
                               ("reboot", "Running"), ("terminate", "Terminated")):
            res = self.act(ctl, f"action={action}&mode=sequence&order={','.join(order)}")["result"]
            self.assertEqual(res["mode"], "sequence")
            self.assertEqual([r["vmId"] for r in res["results"]], order)
            self.assertEqual({r["status"] for r in res["results"]}, {status})
            # One after another: each VM starts after the one before reached
            # its target, which takes the mock's delay.
            for prev, nxt in zip(res["results"], res["results"][1:]):
                self.assertLessEqual(prev["endTime"], nxt["startTime"], res)
            for r in res["results"]:
                if action != "terminate":
                    self.assertGreater(r["endTime"], r["startTime"], r)
            order.reverse()
        self.assertEqual(self.vm_statuses(ns, "seq"), {"g1-1": "Terminated", "g1-2": "Terminated", "g2-1": "Terminated"})

    def test_sequence_order_from_a_body_and_default_order(self):
        ns, ctl = self.make("seqbody")
        r = self.d.post(ctl + "?wait=true", {"action": "suspend", "mode": "sequence", "order": ["g1-2", "g2-1"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["vmId"] for x in r.json()["results"]], ["g1-2", "g2-1"])
        self.assertEqual(self.vm_statuses(ns, "seqbody")["g1-1"], "Running")
        r = self.d.put(ctl + "?action=resume&mode=sequence&wait=true")
        self.assertEqual([x["vmId"] for x in r.json()["results"]], ["g1-2", "g2-1"])
        self.assertEqual([x["vmId"] for x in r.json()["skipped"]], ["g1-1"])

    def test_scope_subgroup_and_one_vm(self):
        ns, ctl = self.make("scope")
        # Some VMs at once: order names them.
        res = self.wait_call("GET", ctl + "?action=reboot&order=g1-2,g2-1")
        self.assertEqual((res["mode"], sorted(r["vmId"] for r in res["results"])), ("concurrent", ["g1-2", "g2-1"]))
        res = self.wait_call("GET", ctl + "?action=suspend&subGroupId=g1")
        self.assertEqual(sorted(r["vmId"] for r in res["results"]), ["g1-1", "g1-2"])
        self.assertEqual(self.status(ns, "scope")["status"], "Partial-Suspended:2 (R:1/3)")
        res = self.wait_call("GET", ctl + "/vm/g1-1?action=resume")
        self.assertEqual([r["vmId"] for r in res["results"]], ["g1-1"])
        self.assertEqual(self.status(ns, "scope")["status"], "Partial-Running:2 (R:2/3)")
        self.wait_call("GET", ctl + "/vm/g1-2?action=resume")
        self.assertEqual(self.status(ns, "scope")["status"], "Running:3 (R:3/3)")
        self.err(self.d.get(ctl + "?action=suspend&subGroupId=nope"), 404, "subGroup 'nope'")
        # Delete one VM: terminated and removed.
        self.wait_call("DELETE", f"/spider/ns/{ns}/mcis/scope/vm/g2-1")
        self.assertEqual(sorted(self.vm_statuses(ns, "scope")), ["g1-1", "g1-2"])
        self.assertEqual(self.spider_vms(B), [])
        # A tie goes to the first bucket of the reference's order.
        self.wait_call("GET", ctl + "/vm/g1-1?action=suspend")
        self.assertEqual(self.status(ns, "scope")["status"], "Partial-Suspended:1 (R:1/2)")

    def test_state_guard(self):
        ns, ctl = self.make("guard")
        self.err(self.d.get(ctl + "?action=resume"), 409, "VM 'g1-1' is Running already; cannot resume it")
        self.err(self.d.get(ctl + "/vm/g1-1?action=resume"), 409, "Running already")
        self.wait_call("GET", ctl + "/vm/g1-1?action=suspend")
        self.err(self.d.get(ctl + "/vm/g1-1?action=reboot"), 409, "Suspended; cannot reboot it")
        # The whole MCIS: the suspended VM is skipped with its reason.
        res = self.wait_call("GET", ctl + "?action=suspend")
        self.assertEqual(sorted(r["vmId"] for r in res["results"]), ["g1-2", "g2-1"])
        self.assertEqual(res["skipped"][0]["vmId"], "g1-1")
        self.assertIn("Suspended already", res["skipped"][0]["reason"])
        # While an action runs, the MCIS takes no other; reads go on.
        started = self.d.get(ctl + "?action=resume")
        self.assertEqual(started.status, 202, started)
        msg = self.err(self.d.get(ctl + "?action=suspend"), 409, "is under Resume, please try later")
        self.assertTrue(msg)
        t0 = time.monotonic()
        st = self.status(ns, "guard")
        self.assertEqual(st["targetAction"], "Resume")
        self.assertLess(time.monotonic() - t0, DELAY_MS / 1000 * 3 * SLOW)
        self.follow(started.json()["requestId"])
        self.assertEqual(self.status(ns, "guard")["status"], "Running:3 (R:3/3)")
        # force skips the guard (the cloud still says no to a resume of a
        # running VM, and the VM stays Running with the reason).
        res = self.d.get(ctl + "/vm/g1-1?action=resume&force=true&wait=true")
        self.err(res, 502, "resume")
        self.assertEqual(self.ok("GET", f"/spider/ns/{ns}/mcis/guard/vm/g1-1")["status"], "Running")
        self.assertIn("cannot resume", self.ok("GET", f"/spider/ns/{ns}/mcis/guard/vm/g1-1")["systemMessage"])

    def test_bad_control_input(self):
        ns, ctl = self.make("badctl")
        for q, part in (("", "action is empty"), ("action=start", "action 'start'"),
                        ("action=suspend&mode=fast", "mode 'fast'"),
                        ("action=suspend&mode=sequence&order=g1-1,g1-1", "twice"),
                        ("action=suspend&force=yes", "force 'yes'")):
            self.err(self.d.get(ctl + "?" + q), 400, part)
        self.err(self.d.get(ctl + "?action=suspend&mode=sequence&order=g1-1,zz"), 404, "VM 'zz'")
        self.err(self.d.get(f"/spider/ns/{ns}/control/mcis/nope?action=suspend"), 404, "MCIS 'nope'")
        self.err(self.d.get(f"/spider/ns/nope/control/mcis/x?action=suspend"), 404, "namespace 'nope'")

    def test_failure_in_a_sequence(self):
        groups = [self.dynamic_entry("a", A), self.dynamic_entry("s", S), self.dynamic_entry("b", B)]
        ns, ctl = self.make("fail", groups)
        doc = self.act(ctl, "action=suspend&mode=sequence&order=a-1,s-1,b-1", want="Error")
        self.assertIn("SuspendVM", doc["error"]["message"])
        st = self.vm_statuses(ns, "fail")
        self.assertEqual(st, {"a-1": "Suspended", "s-1": "Running", "b-1": "Running"})
        vm = self.ok("GET", f"/spider/ns/{ns}/mcis/fail/vm/s-1")
        self.assertIn("injected failure of 'SuspendVM'", vm["systemMessage"])
        self.assertEqual((vm["targetAction"], vm["targetStatus"]), ("None", "None"))
        # Going on past the failure.
        doc = self.act(ctl, "action=suspend&mode=sequence&order=s-1,b-1&continueOnError=true", want="Error")
        self.assertEqual(self.vm_statuses(ns, "fail"), {"a-1": "Suspended", "s-1": "Running", "b-1": "Suspended"})

    def test_stopped_sequence_marks_the_rest_skipped(self):
        groups = [self.dynamic_entry("s", S), self.dynamic_entry("b", B)]
        ns, ctl = self.make("skip", groups)
        r = self.d.get(ctl + "?action=suspend&mode=sequence&order=s-1,b-1&wait=true")
        self.err(r, 502, "SuspendVM")
        doc = [q for q in self.ok("GET", f"/spider/requests?ns={ns}")["request"] if q["kind"] == "mcisControl"][-1]
        self.assertEqual(doc["status"], "Error")
        self.assertEqual(self.vm_statuses(ns, "skip"), {"s-1": "Running", "b-1": "Running"})

    def test_status_reads_during_a_long_create(self):
        ns = self.ns("ns-slow")
        r = self.d.post(f"/spider/ns/{ns}/mcisDynamic", {"name": "slow", "vm": [self.dynamic_entry("g1", A, 3)]})
        self.assertEqual(r.status, 202, r)
        seen = set()
        errors = []

        def reader():
            try:
                for _ in range(20):
                    seen.add(self.status(ns, "slow")["status"])
                    time.sleep(0.02)
            except AssertionError as e:
                errors.append(e)
        t = threading.Thread(target=reader)
        t.start()
        t.join(30)
        self.assertFalse(errors)
        self.assertTrue(any(s.startswith(("Creating", "Partial-Creating", "Partial-Running")) for s in seen), seen)
        self.follow(r.json()["requestId"])
        self.assertEqual(self.status(ns, "slow")["status"], "Running:3 (R:3/3)")


if __name__ == "__main__":
    unittest.main()
