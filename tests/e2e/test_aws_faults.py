"""The AWS driver under faults: a fault-injecting proxy (ec2_proxy.py)
between spiderd and moto_server throttles, fails, delays, cuts and garbles
EC2's answers.  Throttling and 5xx are retried within the call's budget; an
exhausted budget, a malformed or oversized answer and a timeout are
reported clearly; an unknown ID is 404; the daemon survives all of it.
Skipped when moto_server is missing (pip install 'moto[server]')."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon  # noqa: E402
from aws_util import Moto, add_aws_connection, skip_without_moto  # noqa: E402
from ec2_proxy import EC2Proxy  # noqa: E402

CONN = "aws-faulty"
SPEC = "/spider/vmspec/t2.micro?ConnectionName=" + CONN


@skip_without_moto
class AwsFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto().start()
        cls.proxy = EC2Proxy(cls.moto.url).start()
        cls.d = Daemon(env={"SPIDER_AWS_ATTEMPT_TIMEOUT_MS": "1500",
                            "SPIDER_AWS_DEADLINE_MS": "4000"}).start()
        add_aws_connection(cls.d, CONN, "us-west-2", cls.proxy.url)
        # moto loads its instance-type catalogue on the first ask (slow
        # under a sanitizer): not part of any test's count.
        cls.d.get(SPEC, timeout=60)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.cleanup()
        finally:
            cls.proxy.stop()
            cls.moto.stop()

    def setUp(self):
        self.proxy.clear()

    def tearDown(self):
        self.proxy.clear()
        # Whatever came before, the daemon still answers.
        self.assertEqual(self.d.get(SPEC).status, 200)

    def errors_of(self, api):
        calls = self.d.get(f"/spider/callhistory?ConnectionName={CONN}&ErrorOnly=true"
                           f"&Limit=1000").json()["callhistory"]
        return [c["ErrorMSG"] for c in calls if c["CloudOSAPI"] == api]

    def test_throttling_retried(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", throttle=2)
        r = self.d.get(SPEC)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["Name"], "t2.micro")
        self.assertEqual(self.proxy.counts["DescribeInstanceTypes"], 3)
        errs = self.errors_of("DescribeInstanceTypes")
        self.assertTrue(any("RequestLimitExceeded" in e for e in errs), errs)

    def test_retry_budget_exhausted(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", throttle=100)
        t = time.monotonic()
        r = self.d.get(SPEC)
        self.assertEqual(r.status, 502, r)
        msg = r.json()["message"]
        self.assertIn("gave up after 5 attempts", msg)
        self.assertIn("RequestLimitExceeded", msg)
        self.assertEqual(self.proxy.counts["DescribeInstanceTypes"], 5)
        self.assertLess(time.monotonic() - t, 4.5)

    def test_5xx_retried(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", error5xx=2)
        self.assertEqual(self.d.get(SPEC).status, 200)
        self.assertEqual(self.proxy.counts["DescribeInstanceTypes"], 3)

    def test_latency(self):
        self.proxy.set_faults(latency_ms=300)
        t = time.monotonic()
        self.assertEqual(self.d.get(SPEC).status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)

    def test_timeout(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", latency_ms=2500)
        t = time.monotonic()
        r = self.d.get(SPEC)
        self.assertEqual(r.status, 504, r)
        self.assertIn("no answer within", r.json()["message"])
        self.assertLess(time.monotonic() - t, 8)

    def test_truncated_read_retried(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", truncate=1)
        self.assertEqual(self.d.get(SPEC).status, 200)
        self.assertEqual(self.proxy.counts["DescribeInstanceTypes"], 2)

    def test_truncated_write_not_repeated(self):
        # A cut answer to a call that changes something may have been acted
        # on: it is reported, not sent twice.
        self.proxy.set_faults(action="CreateKeyPair", truncate=1)
        r = self.d.post("/spider/keypair", {"ConnectionName": CONN,
                                             "ReqInfo": {"Name": "kp-cut"}})
        self.assertEqual(r.status, 502, r)
        self.assertEqual(self.proxy.counts["CreateKeyPair"], 1)

    def test_malformed(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", malformed=1)
        r = self.d.get(SPEC)
        self.assertEqual(r.status, 502, r)
        self.assertIn("not well-formed XML", r.json()["message"])

    def test_oversized(self):
        self.proxy.set_faults(action="DescribeInstanceTypes", huge=1)
        r = self.d.get(SPEC)
        self.assertEqual(r.status, 413, r)
        self.assertIn("cap", r.json()["message"])

    def test_unknown_ids_404(self):
        q = "?ConnectionName=" + CONN
        for path in ("/spider/cspvm/i-0123456789abcdef0", "/spider/vmimage/ami-0123456789abcdef0",
                     "/spider/cspdisk/vol-0123456789abcdef0"):
            r = self.d.get(path + q)
            self.assertEqual(r.status, 404, (path, r))
        r = self.d.post("/spider/regvpc", {"ConnectionName": CONN, "ReqInfo": {
            "Name": "ghost", "CSPId": "vpc-0123456789abcdef0"}})
        self.assertEqual(r.status, 404, r)
        self.assertIn("NotFound", r.json()["message"])
