"""End-to-end tests of spctl's service-layer commands: ns, mcis, request.

A real spiderd with mock connections, driven only through spctl (and
the REST API only to look at what spctl left behind).  Long calls are
followed by spctl: the progress lines on stderr, the result on stdout.

Run: SPIDER_BIN_DIR=<build>/bin python3 -m unittest tests/e2e/test_spctl_mcis.py
"""
import json
import os
import pty
import re
import select
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_spctl import SpctlCase, spctl, table, temp_file  # noqa: E402

IMAGE = "mock-vmimage-01"
SPEC = "mock-vmspec-01"
REQUEST_LINE = re.compile(r"(?m)^spctl: request (req-[^:\s]+): (.*)$")

VM_HEADER = ["VM", "SUBGROUP", "CONNECTION", "STATUS", "TARGET", "PUBLIC IP", "MESSAGE"]


def group(name, conn, count=None, **extra):
    g = f"name={name},conn={conn},spec={SPEC},image={IMAGE}"
    if count:
        g += f",count={count}"
    return g + "".join(f",{k}={v}" for k, v in extra.items())


def vm_table(out):
    """The VM table of 'mcis get' / create: {vm: row as a dict}."""
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("VM "))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()
                or lines[i].startswith("MCIS '")), len(lines))
    head, rows = table("\n".join(lines[start:end]))
    return {r[0]: dict(zip(head, r)) for r in rows}


def on_pty(argv, env):
    """Run argv with stdout and stderr on a pty; return (output, exit code)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return out.decode(errors="replace"), os.waitstatus_to_exitcode(status)


class UsageTest(SpctlCase):
    """No server needed: help and the errors spctl finds itself."""

    def usage(self, *args, hint, env=None):
        r = spctl(*args, server="http://127.0.0.1:1", env=env)
        self.assertFails(r, 2)
        self.assertIn(f"Try 'spctl {hint} --help'.", r.stderr)
        return r.stderr

    def test_help(self):
        verbs = {"ns": ["create", "list", "get", "update", "delete"],
                 "mcis": ["create", "list", "get", "delete", "add-vm", "scale", "refine",
                          "suspend", "resume", "reboot", "terminate", "cmd", "copy"],
                 "request": ["get", "list", "follow", "delete"]}
        top = spctl("--help").stdout
        self.assertIn("SPIDER_NS", top)
        for cmd, vs in verbs.items():
            self.assertRegex(top, rf"(?m)^  {cmd}\s")
            r = spctl(cmd, "--help")
            self.assertOk(r)
            for v in vs:
                self.assertRegex(r.stdout, rf"(?m)^  {v}\s")
                h = spctl(cmd, v, "--help")
                self.assertOk(h)
                self.assertIn(f"Usage: spctl {cmd} {v}", h.stdout)
        h = spctl("mcis", "suspend", "--help").stdout
        for opt in ("--ns NS", "--vm VM", "--subgroup GROUP", "--sequence", "--order",
                    "--continue-on-error", "--force", "--no-wait"):
            self.assertIn(opt, h)
        self.assertIn("Usage: spctl mcis create [NAME] --ns NS [options]",
                      spctl("mcis", "create", "--help").stdout)

    def test_namespace_is_required(self):
        err = self.usage("mcis", "list", hint="mcis list")
        self.assertIn("missing --ns NS (or set SPIDER_NS)", err)
        # SPIDER_NS is enough: the request is tried (and the server is not there).
        r = spctl("mcis", "list", server="http://127.0.0.1:1", env={"SPIDER_NS": "ns1"})
        self.assertFails(r, 1)
        self.assertIn("/spider/ns/ns1/mcis", r.stderr)

    def test_option_rules(self):
        env = {"SPIDER_NS": "ns1"}
        self.assertIn("--order needs --sequence",
                      self.usage("mcis", "suspend", "m1", "--order", "a,b",
                                 hint="mcis suspend", env=env))
        self.assertIn("--continue-on-error needs --sequence",
                      self.usage("mcis", "reboot", "m1", "--continue-on-error",
                                 hint="mcis reboot", env=env))
        self.assertIn("--vm and --subgroup cannot be given together",
                      self.usage("mcis", "resume", "m1", "--vm", "g1-1", "--subgroup", "g1",
                                 hint="mcis resume", env=env))
        self.assertIn("--terminate and --force cannot be given together",
                      self.usage("mcis", "delete", "m1", "--terminate", "--force",
                                 hint="mcis delete", env=env))
        self.assertIn("give the request in a file (-f FILE) or the VMs with --group",
                      self.usage("mcis", "create", "m1", hint="mcis create", env=env))
        self.assertIn("has no spec=",
                      self.usage("mcis", "create", "m1", "--group", "name=g1,conn=c,image=i",
                                 hint="mcis create", env=env))
        self.assertIn("'color' is not KEY=VALUE",
                      self.usage("mcis", "create", "m1", "--group", group("g1", "c", color="red"),
                                 hint="mcis create", env=env))
        self.assertIn("mix the dynamic form",
                      self.usage("mcis", "create", "m1", "--group", group("g1", "c"),
                                 "--group", group("g2", "c", vnet="v", subnet="s", sg="a;b", key="k"),
                                 hint="mcis create", env=env))
        self.assertIn("--dynamic: the VM entries are of the static form",
                      self.usage("mcis", "add-vm", "m1", "--dynamic", "--group",
                                 group("g2", "c", vnet="v", subnet="s", sg="a", key="k"),
                                 hint="mcis add-vm", env=env))
        self.assertIn("no command",
                      self.usage("mcis", "cmd", "m1", hint="mcis cmd", env=env))

    def test_copy_cap(self):
        big = temp_file(self, "big", "")
        with open(big, "wb") as f:
            f.truncate((32 << 20) + 1)
        r = spctl("mcis", "copy", "m1", big, "/tmp/x", server="http://127.0.0.1:1",
                  env={"SPIDER_NS": "ns1"})
        self.assertFails(r, 1)
        self.assertIn("is larger than 32 MiB", r.stderr)


class McisTest(SpctlCase):
    """One daemon with two mock clouds (conn-b slower to create VMs) and
    one whose VMs never start; every test has a namespace of its own."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = harness.Daemon().start()
        cls.daemon.add_mock_connection("conn-a", "mock-a")
        cls.daemon.add_mock_connection("conn-b", "mock-b",
                                       region_extra=[("MockCreateDelayMs", "300")])
        cls.daemon.add_mock_connection("conn-bad", "mock-bad",
                                       cred_extra=[("MockFailOp", "StartVM")])

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()

    def setUp(self):
        self.ns = "t-" + self._testMethodName[5:].replace("_", "-")
        self.sp("ns", "create", self.ns)

    def env(self):
        return {"SPIDER_NS": self.ns}

    def sp(self, *args, code=0):
        """spctl in the test's namespace; it must exit with code."""
        r = spctl(*args, server=self.daemon.url, env=self.env())
        self.assertEqual(r.returncode, code, f"stdout={r.stdout!r} stderr={r.stderr!r}")
        return r

    def js(self, *args):
        return json.loads(self.sp("--json", *args).stdout)

    def request_id(self, r):
        ids = {m.group(1) for m in REQUEST_LINE.finditer(r.stderr)}
        self.assertEqual(len(ids), 1, r.stderr)
        return ids.pop()

    def create_two_clouds(self, name="m1"):
        return self.sp("mcis", "create", name, "--group", group("g1", "conn-a", 2),
                       "--group", group("g2", "conn-b"), "-d", "two clouds")

    # -- namespaces --------------------------------------------------------
    def test_namespaces(self):
        r = self.sp("ns", "create", "t-other", "--description", "for tests")
        self.assertRegex(r.stdout, r"(?m)^id:\s+t-other$")
        self.assertRegex(r.stdout, r"(?m)^description:\s+for tests$")
        head, rows = table(self.sp("ns", "list").stdout)
        self.assertEqual(head, ["NAME", "DESCRIPTION"])
        self.assertIn(["t-other", "for tests"], rows)
        self.assertIn(self.ns, [row[0] for row in rows])
        self.sp("ns", "update", "t-other", "-d", "changed")
        self.assertEqual(self.js("ns", "get", "t-other")["description"], "changed")
        self.assertEqual(self.sp("ns", "delete", "t-other").stdout,
                         "The namespace has been deleted\n")
        r = self.sp("ns", "get", "t-other", code=1)
        self.assertEqual(r.stderr, "spctl: namespace 't-other' does not exist (HTTP 404)\n")
        r = self.sp("ns", "create", "Bad_NS", code=1)
        self.assertIn("(HTTP 400)", r.stderr)

    def test_ns_delete_force(self):
        self.sp("mcis", "create", "m1", "--group", group("g1", "conn-a"))
        r = self.sp("ns", "delete", self.ns, code=1)
        self.assertIn("(HTTP 409)", r.stderr)
        self.sp("ns", "delete", self.ns, "--force")
        self.assertNotIn(self.ns, [n["id"] for n in self.js("ns", "list")["ns"]])

    # -- a dynamic MCIS through its lifecycle --------------------------------
    def test_dynamic_lifecycle(self):
        r = self.create_two_clouds()
        self.assertTrue(r.stdout.endswith("MCIS 'm1': Running:3 (R:3/3)\n"), r.stdout)
        vms = vm_table(r.stdout)
        self.assertEqual(sorted(vms), ["g1-1", "g1-2", "g2-1"])
        self.assertEqual(vms["g2-1"]["CONNECTION"], "conn-b")
        # The request was followed: its progress, then how it ended.
        lines = [m.group(2) for m in REQUEST_LINE.finditer(r.stderr)]
        self.assertGreaterEqual(len(lines), 3, r.stderr)
        self.assertRegex(lines[0], r"^0/3 ")
        self.assertRegex(lines[-2], r"^3/3 ")
        self.assertRegex(lines[-1], r"^Success in \d+\.\d s$")

        head, rows = table(self.sp("mcis", "list").stdout)
        self.assertEqual(head, ["NAME", "STATUS", "RUNNING", "TARGET", "DESCRIPTION"])
        self.assertEqual(rows, [["m1", "Running:3 (R:3/3)", "3/3", "None", "two clouds"]])

        r = self.sp("mcis", "get", "m1", "--status")
        self.assertRegex(r.stdout, r"(?m)^status:\s+Running:3 \(R:3/3\)$")
        lines = r.stdout.splitlines()
        self.assertEqual(re.split(r"\s{2,}", next(l for l in lines if l.startswith("VM "))),
                         VM_HEADER)
        vms = vm_table(r.stdout)
        self.assertEqual({v: (row["SUBGROUP"], row["CONNECTION"], row["STATUS"])
                          for v, row in vms.items()},
                         {"g1-1": ("g1", "conn-a", "Running"),
                          "g1-2": ("g1", "conn-a", "Running"),
                          "g2-1": ("g2", "conn-b", "Running")})
        self.assertEqual(self.js("mcis", "get", "m1", "--status")["status"]["status"],
                         "Running:3 (R:3/3)")

        # Suspend one VM after another, in the order given.
        order = ["g2-1", "g1-2", "g1-1"]
        r = self.sp("mcis", "suspend", "m1", "--sequence", "--order", ",".join(order))
        head, rows = table(r.stdout)
        self.assertEqual(head, ["VM", "ACTION", "STATUS", "START", "END", "ERROR"])
        self.assertEqual([row[:3] for row in rows],
                         [[vm, "suspend", "Suspended"] for vm in order])
        req = self.js("request", "get", self.request_id(r))
        self.assertEqual(req["status"], "Success")
        self.assertEqual(req["result"]["mode"], "sequence")
        by_start = sorted(req["result"]["results"], key=lambda x: x["startTime"])
        self.assertEqual([x["vmId"] for x in by_start], order)
        for a, b in zip(by_start, by_start[1:]):
            self.assertLessEqual(a["endTime"], b["startTime"])
        r = self.sp("request", "get", req["requestId"])
        self.assertRegex(r.stdout, r"(?m)^status:\s+Success$")

        # Resume all at once.
        r = self.sp("mcis", "resume", "m1")
        self.assertEqual(sorted(row[0] for row in table(r.stdout)[1]), sorted(order))
        req = self.js("request", "get", self.request_id(r))
        self.assertEqual(req["result"]["mode"], "concurrent")
        self.assertIn("Running:3 (R:3/3)", self.sp("mcis", "get", "m1").stdout)

        # A VM in the target state already: the server's 409, plainly.
        r = self.sp("mcis", "resume", "m1", "--vm", "g1-1", code=1)
        self.assertEqual(r.stderr, "spctl: VM 'g1-1' is Running already; cannot resume it (HTTP 409)\n")
        self.assertEqual(r.stdout, "")

        # One subGroup; then a command on a VM that is not Running.
        r = self.sp("mcis", "suspend", "m1", "--subgroup", "g1")
        self.assertEqual(sorted(row[0] for row in table(r.stdout)[1]), ["g1-1", "g1-2"])
        r = self.sp("mcis", "cmd", "m1", "--vm", "g1-1", "--", "uptime", code=1)
        self.assertEqual(r.stderr, "spctl: VM 'g1-1' is Suspended; commands run only on Running VMs (HTTP 409)\n")
        r = self.sp("mcis", "cmd", "m1", "--subgroup", "g1", "-c", "uptime", code=1)
        self.assertEqual(r.stderr, "spctl: MCIS 'm1' has no Running VM in that subGroup to reach (HTTP 409)\n")

        r = self.sp("mcis", "delete", "m1", code=1)
        self.assertIn("terminate them first", r.stderr)
        r = self.sp("mcis", "delete", "m1", "--terminate")
        self.assertTrue(r.stdout.endswith("Deleted the MCIS m1\n"), r.stdout)
        self.assertEqual(table(self.sp("mcis", "list").stdout)[1], [])

    def test_scale_add_vm_refine(self):
        self.sp("mcis", "create", "m1", "--group", group("g1", "conn-a"))
        r = self.sp("mcis", "scale", "m1", "g1", "2")
        self.assertTrue(r.stdout.endswith("MCIS 'm1': Running:3 (R:3/3)\n"), r.stdout)
        self.assertEqual(sorted(vm_table(r.stdout)), ["g1-1", "g1-2", "g1-3"])
        r = self.sp("mcis", "add-vm", "m1", "--group", group("g2", "conn-b", 1))
        self.assertTrue(r.stdout.endswith("MCIS 'm1': Running:4 (R:4/4)\n"), r.stdout)
        # A subGroup whose VMs all fail: the request fails; the VMs stay, Failed.
        r = self.sp("mcis", "add-vm", "m1", "--group", group("g3", "conn-bad", 2), code=1)
        self.assertRegex(r.stderr, r"(?m)^spctl: every new VM failed \(2; ")
        self.assertIn("Partial-Failed:2 (R:4/6)", self.sp("mcis", "get", "m1").stdout)
        r = self.sp("mcis", "refine", "m1")
        self.assertEqual(r.stdout, "Removed from MCIS 'm1': g3-1,g3-2\n")
        r = self.sp("mcis", "scale", "m1", "nope", "1", code=1)
        self.assertEqual(r.stderr, "spctl: subGroup 'nope' does not exist in MCIS 'm1' (HTTP 404)\n")
        self.sp("mcis", "delete", "m1", "--force")

    def test_every_vm_fails(self):
        r = self.sp("mcis", "create", "m1", "--group", group("g1", "conn-bad"), code=1)
        self.assertEqual(r.stdout, "")
        lines = [m.group(2) for m in REQUEST_LINE.finditer(r.stderr)]
        self.assertEqual(lines[-1].split()[0], "Error")
        self.assertRegex(r.stderr, r"(?m)^spctl: every new VM failed \(1; ")
        # Some fail: the request succeeds, spctl says which failed.
        r = self.sp("mcis", "create", "m3", "--group", group("g1", "conn-a"),
                    "--group", group("g2", "conn-bad"), code=1)
        self.assertTrue(r.stdout.endswith("MCIS 'm3': Partial-Failed:1 (R:1/2)\n"), r.stdout)
        self.assertRegex(vm_table(r.stdout)["g2-1"]["MESSAGE"], "StartVM")
        self.assertRegex(r.stderr, r"(?m)^spctl: VM 'g2-1' failed \(create\): .*StartVM")
        # --policy rollback leaves nothing behind.
        r = self.sp("mcis", "create", "m2", "--policy", "rollback",
                    "--group", group("g1", "conn-a"), "--group", group("g2", "conn-bad"), code=1)
        self.assertIn("rolled back", r.stderr)
        self.assertNotIn("m2", self.sp("mcis", "list").stdout)

    # -- a static MCIS from a file ------------------------------------------
    def test_static_from_file(self):
        c = ["-c", "conn-a"]
        self.sp("vpc", "create", *c, "-n", f"{self.ns}-vpc", "--cidr", "10.1.0.0/16",
                "--subnet", f"{self.ns}-subnet,10.1.1.0/24")
        self.sp("securitygroup", "create", *c, "-n", f"{self.ns}-sg", "--vpc", f"{self.ns}-vpc",
                "--rule", "inbound,tcp,22,22")
        self.sp("keypair", "create", *c, "-n", f"{self.ns}-key")
        body = {"name": "from-file", "description": "static", "vm": [{
            "name": "web", "subGroupSize": "2", "connectionName": "conn-a",
            "specId": SPEC, "imageId": IMAGE, "vNetId": f"{self.ns}-vpc",
            "subnetId": f"{self.ns}-subnet", "securityGroupIds": [f"{self.ns}-sg"],
            "sshKeyId": f"{self.ns}-key"}]}
        path = temp_file(self, "static", json.dumps(body))
        # NAME replaces the file's name.
        r = self.sp("mcis", "create", "m-static", "-f", path)
        self.assertTrue(r.stdout.endswith("MCIS 'm-static': Running:2 (R:2/2)\n"), r.stdout)
        self.assertEqual([m["id"] for m in self.js("mcis", "list")["mcis"]], ["m-static"])
        info = self.js("mcis", "get", "m-static")
        self.assertEqual(info["description"], "static")
        self.assertEqual({v["vNetId"] for v in info["vm"]}, {f"{self.ns}-vpc"})
        # The same through --group: the static form.
        r = self.sp("mcis", "add-vm", "m-static", "--group",
                    group("db", "conn-a", vnet=f"{self.ns}-vpc", subnet=f"{self.ns}-subnet",
                          sg=f"{self.ns}-sg", key=f"{self.ns}-key"))
        self.assertIn("Running:3 (R:3/3)", r.stdout)
        # A file that is not JSON, and one without a name.
        bad = temp_file(self, "bad", "{not json")
        r = self.sp("mcis", "create", "-f", bad, code=1)
        self.assertIn("not JSON", r.stderr)
        noname = temp_file(self, "noname", json.dumps({"vm": body["vm"]}))
        r = spctl("mcis", "create", "-f", noname, server=self.daemon.url, env=self.env())
        self.assertFails(r, 2)
        self.assertIn("missing NAME", r.stderr)
        self.sp("mcis", "delete", "m-static", "--terminate")

    # -- bad input, shown plainly ------------------------------------------
    def test_bad_input(self):
        r = spctl("mcis", "create", "m1", "-n", "nope", "--group", group("g1", "conn-a"),
                  server=self.daemon.url)
        self.assertFails(r, 1)
        self.assertEqual(r.stderr, "spctl: namespace 'nope' does not exist (HTTP 404)\n")
        self.assertEqual(r.stdout, "")
        r = self.sp("mcis", "list", "-n", "nope", code=1)
        self.assertEqual(r.stderr, "spctl: namespace 'nope' does not exist (HTTP 404)\n")
        r = self.sp("mcis", "create", "Bad_Name", "--group", group("g1", "conn-a"), code=1)
        self.assertRegex(r.stderr, r"^spctl: name 'Bad_Name' is invalid: .* \(HTTP 400\)\n$")
        r = self.sp("mcis", "create", "m1", "--group", group("g1", "conn-a", 1).replace(SPEC, "no-spec"), code=1)
        self.assertRegex(r.stderr, r"^spctl: vm 'g1': commonSpec 'no-spec' on connection 'conn-a': .*\(HTTP 40[04]\)\n$")
        r = self.sp("mcis", "get", "nope", code=1)
        self.assertIn("(HTTP 404)", r.stderr)
        r = self.sp("request", "get", "req-nope", code=1)
        self.assertEqual(r.stderr, "spctl: request 'req-nope' does not exist (HTTP 404)\n")
        r = self.sp("request", "follow", "req-nope", code=1)
        self.assertEqual(r.stderr, "spctl: request 'req-nope' does not exist (HTTP 404)\n")

    # -- --no-wait, then follow the request ----------------------------------
    def test_no_wait_and_follow(self):
        r = self.sp("mcis", "create", "m1", "--no-wait", "--group", group("g1", "conn-b", 2))
        self.assertRegex(r.stdout, r"^req-\S+\n$")
        self.assertEqual(r.stderr, "")
        req = r.stdout.strip()
        r = self.sp("request", "follow", req)
        self.assertTrue(r.stdout.endswith("MCIS 'm1': Running:2 (R:2/2)\n"), r.stdout)
        self.assertRegex(r.stderr, rf"(?m)^spctl: request {req}: Success in ")
        head, rows = table(self.sp("request", "list", "--ns", self.ns).stdout)
        self.assertEqual(head, ["ID", "NAMESPACE", "KIND", "TARGET", "STATUS", "PROGRESS",
                                "STARTED", "MESSAGE"])
        self.assertIn([req, self.ns, "mcisDynamicCreate", "m1", "Success", "2/2"],
                      [row[:6] for row in rows])
        # --json: the result as the call would have answered it.
        res = json.loads(self.sp("--json", "request", "follow", req).stdout)
        self.assertEqual(res["status"], "Running:2 (R:2/2)")
        # Following a finished request again on a terminal: the bar, full.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPIDER_")}
        env.update(SPIDER_SERVER=self.daemon.url, SPIDER_USERNAME=harness.USER,
                   SPIDER_PASSWORD=harness.PASSWORD)
        out, rc = on_pty([harness.SPCTL, "request", "follow", req], env)
        self.assertEqual(rc, 0, out)
        self.assertIn("\r[####################] 2/2 ", out)
        self.assertIn(f"spctl: request {req}: Success", out)
        self.assertEqual(self.sp("request", "delete", req).stdout,
                         "The request has been deleted\n")
        # --no-wait on a lifecycle action, and --json for its id.
        r = self.js("mcis", "reboot", "m1", "--no-wait")
        self.assertEqual(r["status"], "Handling")
        r = self.sp("request", "follow", r["requestId"])
        self.assertEqual(sorted(row[2] for row in table(r.stdout)[1]), ["Running", "Running"])
        self.sp("mcis", "delete", "m1", "--terminate")


if __name__ == "__main__":
    unittest.main()
