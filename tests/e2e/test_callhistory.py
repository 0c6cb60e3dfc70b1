"""Call history: every driver call is recorded in <data-dir>/log/hiscall.log
(reference §15) and queryable with GET /spider/callhistory (docs/api.md
"Call history"; issue 2 item 8)."""
import datetime
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Daemon, check_error, wait_for  # noqa: E402

ROW_KEYS = {"Time", "ConnectionName", "CloudOS", "RegionZone",
            "ResourceType", "ResourceName", "CloudOSAPI", "ElapsedTime",
            "ErrorMSG"}
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ELAPSED_RE = re.compile(r"^\d+\.\d{4}$")
# ResourceType values of reference §15
HISCALL_TYPES = {"REGIONZONE", "PRICEINFO", "VMIMAGE", "VMSPEC",
                 "VPC/SUBNET", "SECURITYGROUP", "VMKEYPAIR", "DISK", "VM",
                 "MYIMAGE", "NETWORKLOADBALANCER", "TAG", "MONITORING",
                 "CLUSTER", "FILESYSTEM", "RDBMS", "PUBLICIP", "NIC"}
CATALOGUE_TYPES = {"REGIONZONE", "PRICEINFO", "VMIMAGE", "VMSPEC"}


def catalogue(rows):
    """The rows of catalogue calls (a daemon may also record other driver
    calls, such as opening a session)."""
    return [x for x in rows if x["ResourceType"] in CATALOGUE_TYPES]


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def rfc3339(dt):
    return dt.astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class CallHistoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = cls.d = Daemon().start()
        d.add_mock_connection("ch-a")
        d.add_mock_connection("ch-b", mock_name="mock02", region="mars")
        d.add_mock_connection("ch-err", cred_extra=[
            ("MockFailOp", "ListImage")])
        d.add_mock_connection("ch-slow", cred_extra=[
            ("MockLatencyMs", "300")])
        calls = [
            ("ch-a", "/spider/regionzone", 200),
            ("ch-a", "/spider/regionzone/venus", 200),
            ("ch-a", "/spider/vmimage", 200),
            ("ch-a", "/spider/priceinfo/vm/default", 200),
            ("ch-b", "/spider/vmspec", 200),
            ("ch-b", "/spider/vmspec", 200),
            ("ch-b", "/spider/vmspec", 200),
            ("ch-err", "/spider/vmimage", 502),
            ("ch-err", "/spider/vmimage", 502),
            ("ch-err", "/spider/vmspec", 200),
            ("ch-err", "/spider/vmimage/no-such-image", 404),
            ("ch-slow", "/spider/vmspec/mock-vmspec-03", 200),
            # the newest call
            ("ch-a", "/spider/vmspec/mock-vmspec-04", 200),
        ]
        for conn, path, status in calls:
            r = d.get(path + "?ConnectionName=" + conn)
            assert r.status == status, (path, conn, r)
        # no driver call, so no record
        d.get("/spider/vmspec?ConnectionName=ch-none")

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def history(self, query=""):
        r = self.d.get("/spider/callhistory" + query)
        self.assertEqual(r.status, 200, (query, r))
        body = r.json()
        self.assertEqual(list(body), ["callhistory"])
        rows = body["callhistory"]
        for row in rows:
            self.assertEqual(set(row), ROW_KEYS, row)
            self.assertRegex(row["Time"], TIME_RE)
            self.assertRegex(row["ElapsedTime"], ELAPSED_RE)
            for k in ROW_KEYS:
                self.assertIsInstance(row[k], str, k)
        times = [parse_time(x["Time"]) for x in rows]
        self.assertEqual(times, sorted(times, reverse=True),
                         "rows are not newest first")
        return rows

    def test_rows(self):
        rows = self.history("?Limit=10000")
        conns = {x["ConnectionName"] for x in rows}
        self.assertEqual(conns, {"ch-a", "ch-b", "ch-err", "ch-slow"})
        for row in rows:
            self.assertEqual(row["CloudOS"], "MOCK")
            self.assertTrue(row["CloudOSAPI"], row)
        newest = rows[0]
        self.assertEqual(newest["ConnectionName"], "ch-a", newest)
        self.assertEqual(newest["ResourceType"], "VMSPEC", newest)
        self.assertEqual(newest["ResourceName"], "mock-vmspec-04", newest)
        self.assertEqual(newest["ErrorMSG"], "")
        self.assertTrue(newest["RegionZone"].startswith("default"), newest)
        b = [x for x in rows if x["ConnectionName"] == "ch-b"]
        self.assertTrue(all(x["RegionZone"].startswith("mars") for x in b), b)
        # the time is now-ish
        age = datetime.datetime.now(datetime.timezone.utc) - \
            parse_time(newest["Time"])
        self.assertLess(abs(age.total_seconds()), 120)

    def test_resource_types_are_those_of_the_reference(self):
        rows = self.history("?Limit=10000")
        self.assertEqual({x["ResourceType"] for x in rows} - HISCALL_TYPES,
                         set(), "ResourceType outside reference §15")

    def test_filter_connection(self):
        rows = self.history("?ConnectionName=ch-b")
        self.assertTrue(all(x["ConnectionName"] == "ch-b" for x in rows))
        rows = catalogue(rows)
        self.assertEqual(len(rows), 3, rows)
        for row in rows:
            self.assertEqual(row["ConnectionName"], "ch-b")
            self.assertEqual(row["ResourceType"], "VMSPEC")
            self.assertEqual(row["ErrorMSG"], "")
        self.assertEqual(self.history("?ConnectionName=ch-none"), [])

    def test_filter_resource_type(self):
        want = {"REGIONZONE": 2, "VMIMAGE": 4, "PRICEINFO": 1, "VMSPEC": 6}
        for rtype, n in want.items():
            for q in (rtype, rtype.lower(), rtype.capitalize()):
                with self.subTest(ResourceType=q):
                    rows = self.history("?ResourceType=" + q)
                    self.assertEqual(len(rows), n, rows)
                    self.assertTrue(all(x["ResourceType"] == rtype
                                        for x in rows), rows)

    def test_filter_error_only(self):
        rows = self.history("?ErrorOnly=true")
        self.assertTrue(rows)
        self.assertTrue(all(x["ErrorMSG"] for x in rows), rows)
        injected = [x for x in rows if "injected" in x["ErrorMSG"]]
        self.assertEqual(len(injected), 2, rows)
        for x in injected:
            self.assertEqual((x["ConnectionName"], x["ResourceType"]),
                             ("ch-err", "VMIMAGE"))
        missing = [x for x in rows if "no-such-image" in x["ErrorMSG"]
                   or x["ResourceName"] == "no-such-image"]
        self.assertEqual(len(missing), 1, rows)
        rows = self.history("?ConnectionName=ch-err&ErrorOnly=true")
        self.assertEqual(len(rows), 3, rows)
        rows = self.history("?ConnectionName=ch-err&ErrorOnly=false")
        self.assertEqual(len(catalogue(rows)), 4, rows)
        self.assertEqual(rows, self.history("?ConnectionName=ch-err"))
        rows = self.history("?ConnectionName=ch-b&ErrorOnly=true")
        self.assertEqual(rows, [])

    def test_filters_combine(self):
        rows = self.history("?ConnectionName=ch-a&ResourceType=VMSPEC")
        self.assertEqual([x["ResourceName"] for x in rows],
                         ["mock-vmspec-04"])
        rows = self.history("?ConnectionName=ch-err&ResourceType=VMIMAGE"
                            "&ErrorOnly=true&Limit=1")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["ConnectionName"], "ch-err")

    def test_limit(self):
        every = self.history("?Limit=10000")
        for n in (1, 2, 5):
            rows = self.history(f"?Limit={n}")
            self.assertEqual(rows, every[:n])

    def test_elapsed_time_shows_latency(self):
        rows = catalogue(self.history("?ConnectionName=ch-slow"))
        self.assertEqual(len(rows), 1, rows)
        self.assertGreaterEqual(float(rows[0]["ElapsedTime"]), 0.29, rows)
        self.assertEqual(rows[0]["ResourceName"], "mock-vmspec-03")
        fast = catalogue(self.history("?ConnectionName=ch-b"))
        self.assertTrue(all(float(x["ElapsedTime"]) < 0.29 for x in fast),
                        fast)

    def test_since_until_outside(self):
        future = "2999-01-01T00:00:00Z"
        past = "2000-01-01T00:00:00Z"
        self.assertEqual(self.history("?Since=" + future), [])
        self.assertEqual(self.history("?Until=" + past), [])
        every = self.history("?Limit=10000")
        self.assertEqual(self.history(f"?Since={past}&Limit=10000"), every)
        self.assertEqual(self.history(f"?Until={future}&Limit=10000"), every)
        # The epoch is a time like any other, not "no limit".
        epoch = "1970-01-01T00:00:00Z"
        self.assertEqual(self.history("?Until=" + epoch), [])
        self.assertEqual(self.history(f"?Since={epoch}&Limit=10000"), every)

    def test_bad_filter_values(self):
        for query, key in (("Since=yesterday", "Since"),
                           ("Since=2026-13-01T00:00:00Z", "Since"),
                           ("Since=2026-01-02", "Since"),
                           ("Until=abc", "Until"),
                           ("Until=2026-01-02T25:00:00Z", "Until"),
                           ("Limit=abc", "Limit"),
                           ("Limit=-1", "Limit"),
                           ("Limit=1x", "Limit"),
                           ("ErrorOnly=maybe", "ErrorOnly")):
            with self.subTest(query=query):
                r = self.d.get("/spider/callhistory?" + query)
                check_error(self, r, 400, "BadRequest", contains=[key])


class TimeRangeTest(unittest.TestCase):
    """Since and Until (RFC 3339 UTC, inclusive) on a daemon of its own."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.d.add_mock_connection("ch-time")

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    history = CallHistoryTest.history

    def test_since_until_split(self):
        d = self.d
        q = "?ConnectionName=ch-time"
        for _ in range(3):
            self.assertEqual(d.get("/spider/regionzone" + q).status, 200)
        first = catalogue(self.history(q))
        self.assertEqual(len(first), 3)
        # leave one whole second without calls between the two batches
        gap = parse_time(first[0]["Time"]).replace(microsecond=0) + \
            datetime.timedelta(seconds=1)
        wait_for(lambda: datetime.datetime.now(datetime.timezone.utc) >=
                 gap + datetime.timedelta(seconds=1, milliseconds=50),
                 timeout=5)
        for _ in range(2):
            self.assertEqual(d.get("/spider/vmspec" + q).status, 200)
        self.assertEqual(len(catalogue(self.history(q))), 5)
        since = self.history(f"{q}&Since={rfc3339(gap)}")
        self.assertEqual([x["ResourceType"] for x in since],
                         ["VMSPEC", "VMSPEC"])
        until = catalogue(self.history(f"{q}&Until={rfc3339(gap)}"))
        self.assertEqual([x["ResourceType"] for x in until],
                         ["REGIONZONE"] * 3)
        both = self.history(f"{q}&Since={rfc3339(gap)}&Until={rfc3339(gap)}")
        self.assertEqual(both, [])
        # inclusive bounds: a row's own second selects it from either side
        t = parse_time(since[-1]["Time"]).replace(microsecond=0)
        rows = self.history(f"{q}&Since={rfc3339(t)}")
        self.assertIn(since[-1], rows)
        t = parse_time(until[0]["Time"]) + datetime.timedelta(seconds=1)
        rows = self.history(f"{q}&Until={rfc3339(t.replace(microsecond=0))}")
        self.assertIn(until[0], rows)
        # RFC 3339 with a fraction: a row's own time selects it
        for row in (since[-1], until[0], since[0]):
            t = row["Time"]
            self.assertIn(row, self.history(f"{q}&Since={t}"))
            self.assertIn(row, self.history(f"{q}&Until={t}"))
            got = self.history(f"{q}&Since={t}&Until={t}")
            self.assertIn(row, got)
            self.assertTrue(all(x["Time"] == t for x in got), got)


class DefaultLimitTest(unittest.TestCase):
    def test_default_limit_is_100(self):
        with Daemon() as d:
            d.add_mock_connection("many")
            for _ in range(105):
                r = d.get("/spider/regionzone/mars?ConnectionName=many")
                self.assertEqual(r.status, 200, r)
            q = ("/spider/callhistory?ConnectionName=many"
                 "&ResourceType=REGIONZONE")
            r = d.get(q)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(len(r.json()["callhistory"]), 100)
            r = d.get(q + "&Limit=10000")
            self.assertEqual(len(r.json()["callhistory"]), 105)
            r = d.get("/spider/callhistory?Limit=10000")
            self.assertGreaterEqual(len(r.json()["callhistory"]), 105)


class HisCallFileTest(unittest.TestCase):
    """The rotating file <data-dir>/log/hiscall.log, one §15 line a call."""

    def test_lines(self):
        with Daemon() as d:
            d.add_mock_connection("f-ok")
            d.add_mock_connection("f-err", region_extra=[
                ("MockFailOp", "GetVMSpec")])
            d.add_mock_connection("f-slow", cred_extra=[
                ("MockLatencyMs", "250")])
            self.assertEqual(d.get("/spider/regionzone?ConnectionName=f-ok")
                             .status, 200)
            self.assertEqual(d.get("/spider/vmimage/mock-vmimage-01"
                                   "?ConnectionName=f-ok").status, 200)
            self.assertEqual(d.get("/spider/priceinfo/vm/default"
                                   "?ConnectionName=f-ok").status, 200)
            self.assertEqual(d.get("/spider/vmspec/mock-vmspec-01"
                                   "?ConnectionName=f-err").status, 502)
            self.assertEqual(d.get("/spider/vmspec?ConnectionName=f-slow")
                             .status, 200)
            path = os.path.join(d.data_dir, "log", "hiscall.log")

            def lines():
                try:
                    with open(path, encoding="utf-8") as f:
                            return f.read().splitlines()
                except FileNotFoundError:
                    return None

            rows = d.get("/spider/callhistory?Limit=10000").json()[
                "callhistory"]
            self.assertEqual(len(catalogue(rows)), 5, rows)
            got = wait_for(lambda: (lambda x: x if x and len(x) >= len(rows)
                                    else None)(lines()), timeout=20)
            self.assertTrue(got, f"{path} missing or short: {lines()}")
            self.assertEqual(len(got), len(rows), got)
            parsed = []
            for line in got:
                m = harness.HISCALL_RE.match(line)
                self.assertIsNotNone(m, f"not a §15 line: {line!r}")
                g = m.groupdict()
                day = datetime.datetime.strptime(
                    g["date"] + " " + g["time"], "%Y-%m-%d %H:%M:%S")
                self.assertEqual(day.strftime("%A"), g["weekday"], line)
                self.assertEqual(g["cloudos"], "MOCK", line)
                self.assertTrue(g["cloudosapi"], line)
                parsed.append(g)
            # the same records as the REST view, oldest first
            self.assertEqual(
                [(g["resourcetype"], g["resourcename"], g["cloudosapi"],
                  g["elapsed"], g["error"]) for g in parsed],
                [(x["ResourceType"], x["ResourceName"], x["CloudOSAPI"],
                  x["ElapsedTime"], x["ErrorMSG"]) for x in reversed(rows)])
            parsed = [g for g in parsed
                      if g["resourcetype"] in CATALOGUE_TYPES]
            types = [g["resourcetype"] for g in parsed]
            self.assertEqual(sorted(types), sorted(
                ["REGIONZONE", "VMIMAGE", "PRICEINFO", "VMSPEC", "VMSPEC"]))
            errs = [g for g in parsed if g["error"]]
            self.assertEqual(len(errs), 1, got)
            self.assertIn("injected", errs[0]["error"])
            self.assertEqual(errs[0]["resourcetype"], "VMSPEC")
            self.assertEqual(errs[0]["resourcename"], "mock-vmspec-01")
            img = [g for g in parsed if g["resourcetype"] == "VMIMAGE"][0]
            self.assertEqual(img["resourcename"], "mock-vmimage-01")
            self.assertTrue(img["regionzone"].startswith("default"), img)
            # the slow call is the only one over 0.25 s
            slow = [g for g in parsed if float(g["elapsed"]) >= 0.24]
            self.assertEqual(len(slow), 1, got)
            self.assertEqual(slow[0]["resourcetype"], "VMSPEC")
            # the history survives in the file after a stop
            self.assertEqual(d.stop(), 0)
            with open(path, encoding="utf-8") as f:
                self.assertEqual(f.read().splitlines()[:len(got)], got)

    def test_history_is_written_before_exit(self):
        # records queued when SIGTERM arrives still reach file and store
        with Daemon() as d:
            d.add_mock_connection("q")
            for _ in range(20):
                d.get("/spider/regionzone/mars?ConnectionName=q")
            self.assertEqual(d.stop(), 0)
            path = os.path.join(d.data_dir, "log", "hiscall.log")
            with open(path, encoding="utf-8") as f:
                got = [x for x in f.read().splitlines()
                       if '"ResourceType" : "REGIONZONE"' in x]
            self.assertEqual(len(got), 20)
            d2 = Daemon(data_dir=d.data_dir).start()
            try:
                r = d2.get("/spider/callhistory?ConnectionName=q"
                           "&ResourceType=REGIONZONE&Limit=10000")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(len(r.json()["callhistory"]), 20)
            finally:
                d2.stop()


if __name__ == "__main__":
    unittest.main()
