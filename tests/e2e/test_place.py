"""Placement: where each connection's region is (GET /spider/location) and
spec recommendations over every connection (POST /spider/recommendvm):
filters, the weighted priorities of the reference's §10 ("Ours"), the
per-connection errors and bad input (docs/api.md "Placement")."""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, check_error  # noqa: E402

# connection -> (mock region, what the mock says of it)
MOCK = {
    "seoul": ("default", (37.6, 127.0, "Seoul, KR")),
    "tokyo": ("neptune", (35.7, 139.7, "Tokyo, JP")),
    "virginia": ("mars", (38.9, -77.4, "N. Virginia, US")),
}
# A region whose own keys say where it is (they win over the cloud's).
CUSTOM = ("helsinki", "venus", (60.2, 24.9))


def haversine(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + \
        math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


class PlaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        for name, (region, _) in MOCK.items():
            cls.d.add_mock_connection(name, mock_name="cloud-" + name, region=region)
        name, region, (lat, lon) = CUSTOM
        cls.d.add_mock_connection(name, mock_name="cloud-" + name, region=region,
                                  region_extra=[("Latitude", str(lat)), ("Longitude", str(lon))])
        # A public cloud's region the daemon's table knows; its endpoint
        # is a closed port, so asking it for specs fails.
        for path, body in [
            ("/spider/driver", {"DriverName": "aws-gone", "ProviderName": "AWS",
                                "DriverLibFileName": "aws-driver-v1.0.so"}),
            ("/spider/credential", {"CredentialName": "aws-cred", "ProviderName": "AWS",
                                    "KeyValueInfoList": [{"Key": "ClientId", "Value": "AKID"},
                                                         {"Key": "ClientSecret", "Value": "secret"}]}),
            ("/spider/region", {"RegionName": "aws-seoul", "ProviderName": "AWS",
                                "KeyValueInfoList": [{"Key": "Region", "Value": "ap-northeast-2"},
                                                     {"Key": "Zone", "Value": "ap-northeast-2a"},
                                                     {"Key": "Endpoint", "Value": "http://127.0.0.1:9"}]}),
            ("/spider/connectionconfig", {"ConfigName": "aws-conn", "ProviderName": "AWS",
                                          "DriverName": "aws-gone", "CredentialName": "aws-cred",
                                          "RegionName": "aws-seoul"})]:
            r = cls.d.post(path, body)
            assert r.status == 200, (path, r)
        # Every mock connection's specs, as the catalogue shows them.
        cls.specs = {}
        for name in list(MOCK) + [CUSTOM[0]]:
            r = cls.d.get("/spider/vmspec?ConnectionName=" + name)
            assert r.status == 200, r
            cls.specs[name] = r.json()["vmspec"]

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def recommend(self, body, status=200):
        r = self.d.post("/spider/recommendvm", body)
        self.assertEqual(r.status, status, r)
        return r.json()

    def candidates(self, keep=lambda conn, spec: True):
        out = []
        for conn, specs in self.specs.items():
            for s in specs:
                price = {kv["Key"]: kv["Value"] for kv in s["KeyValueList"]}.get("Price")
                c = {"conn": conn, "spec": s["Name"], "vcpu": float(s["VCpu"]["Count"]),
                     "mem": float(s["MemSizeMiB"]) / 1024,
                     "gpu": sum(float(g["Count"]) for g in s["Gpu"]),
                     "cost": float(price) if price else None}
                if keep(conn, c):
                    out.append(c)
        return out

    def where(self, conn):
        return CUSTOM[2] if conn == CUSTOM[0] else MOCK[conn][1][:2]

    # --- locations -----------------------------------------------------
    def test_locations_from_region_catalogue_and_cloud(self):
        locs = {e["ConnectionName"]: e for e in self.d.get("/spider/location").json()["location"]}
        self.assertEqual(set(locs), set(MOCK) | {CUSTOM[0], "aws-conn"})
        for name, (region, (lat, lon, addr)) in MOCK.items():
            e = locs[name]
            self.assertEqual((e["Source"], e["Region"], e["Latitude"], e["Longitude"], e["BriefAddr"]),
                             ("driver", region, lat, lon, addr), e)
        e = locs[CUSTOM[0]]
        self.assertEqual((e["Source"], e["Latitude"], e["Longitude"]), ("region",) + CUSTOM[2], e)
        e = locs["aws-conn"]
        self.assertEqual((e["Source"], e["ProviderName"], e["Region"], e["Zone"], e["BriefAddr"]),
                         ("catalogue", "AWS", "ap-northeast-2", "ap-northeast-2a", "Seoul, KR"), e)
        self.assertAlmostEqual(e["Latitude"], 37.6)

    def test_region_location_keys_checked(self):
        base = {"RegionName": "bad-loc", "ProviderName": "MOCK"}
        for kv, words in [
            ([("Latitude", "10")], ["Latitude is given without Longitude"]),
            ([("Latitude", "91"), ("Longitude", "0")], ["Latitude '91' is invalid", "-90 to 90"]),
            ([("Latitude", "0"), ("Longitude", "east")], ["Longitude 'east' is invalid"]),
            ([("Latitude", "nan"), ("Longitude", "0")], ["Latitude 'nan' is invalid"])]:
            body = dict(base, KeyValueInfoList=[{"Key": "Region", "Value": "default"}] +
                        [{"Key": k, "Value": v} for k, v in kv])
            check_error(self, self.d.post("/spider/region", body), 400, "BadRequest", contains=words)
        self.assertEqual(self.d.get("/spider/region/bad-loc").status, 404)

    # --- recommendations ------------------------------------------------
    def test_location_close_ranks_by_distance(self):
        point = (35.6, 139.8)   # next to the mock's Tokyo region
        got = self.recommend({
            "filter": {"policy": [{"metric": "vCPU", "condition": [{"operator": ">=", "operand": "2"}]}]},
            "priority": {"policy": [{"metric": "location", "parameter": [
                {"key": "coordinateClose", "val": ["%s/%s" % point]}]}]},
            "limit": 100})
        want = self.candidates(lambda conn, c: c["vcpu"] >= 2)
        self.assertEqual(got["candidates"], len(want))
        self.assertEqual(got["errors"][0]["connectionName"], "aws-conn", got["errors"])
        recs = got["recommendation"]
        self.assertEqual(len(recs), len(want))
        dmax = max(haversine(self.where(c["conn"]), point) for c in want)
        for i, r in enumerate(recs):
            self.assertEqual(r["orderInFilteredResult"], i + 1)
            d = haversine(self.where(r["connectionName"]), point)
            self.assertAlmostEqual(r["distanceKm"], d, delta=0.1)
            self.assertAlmostEqual(r["scores"]["location"], 1 - d / dmax, delta=1e-3)
            self.assertAlmostEqual(r["evaluationScore09"], r["scores"]["location"], delta=1e-3)
        self.assertEqual(recs[0]["connectionName"], "tokyo")
        self.assertEqual(recs[0]["location"]["briefAddr"], "Tokyo, JP")
        self.assertEqual([r["distanceKm"] for r in recs], sorted(r["distanceKm"] for r in recs))

    def test_cost_is_the_default_priority(self):
        got = self.recommend({"limit": "1000"})
        want = self.candidates()
        self.assertEqual(got["candidates"], len(want))
        costs = [r["costPerHour"] for r in got["recommendation"]]
        self.assertEqual(costs, sorted(c["cost"] for c in want))
        self.assertEqual(got["recommendation"][0]["scores"], {"cost": 1.0})
        self.assertEqual(got["recommendation"][-1]["scores"], {"cost": 0.0})

    def test_weights_combine_every_priority(self):
        point = "60/25"
        got = self.recommend({"priority": {"policy": [
            {"metric": "cost", "weight": "3"},
            {"metric": "performance", "weight": 1},
            {"metric": "location", "weight": "2", "parameter": [{"key": "coordinateClose", "val": [point]}]}]},
            "limit": 50})
        recs = got["recommendation"]
        self.assertTrue(recs)
        perf = [c["vcpu"] for c in self.candidates()]
        for r in recs:
            s = r["scores"]
            self.assertEqual(set(s), {"cost", "performance", "location"})
            self.assertAlmostEqual(r["evaluationScore09"],
                                   (3 * s["cost"] + s["performance"] + 2 * s["location"]) / 6, delta=2e-4)
            self.assertGreaterEqual(r["performance"], r["vCPU"] - 1e-9)
            self.assertTrue(min(perf) <= r["vCPU"] <= max(perf))
        self.assertEqual([r["evaluationScore09"] for r in recs],
                         sorted((r["evaluationScore09"] for r in recs), reverse=True))
        # Helsinki is the custom region's own location: the nearest.
        best = max(r["scores"]["location"] for r in recs)
        for r in recs:
            self.assertEqual(r["connectionName"] == CUSTOM[0], r["scores"]["location"] == best, r)

    def test_within_and_fair_use_mean_and_max(self):
        pts = ["37.5/127.0", "38.9/-77.4"]
        for rule, agg in [("coordinateWithin", lambda ds: sum(ds) / len(ds)), ("coordinateFair", max)]:
            got = self.recommend({"priority": {"policy": [{"metric": "location", "parameter": [
                {"key": rule, "val": pts}]}]}, "limit": 1000})
            for r in got["recommendation"]:
                where = self.where(r["connectionName"])
                want = agg([haversine(where, tuple(map(float, p.split("/")))) for p in pts])
                self.assertAlmostEqual(r["distanceKm"], want, delta=0.1, msg=(rule, r))

    def test_filters_and_connections(self):
        got = self.recommend({
            "filter": {"policy": [
                {"metric": "MemoryGiB", "condition": [{"operator": ">=", "operand": 16}]},
                {"metric": "GPU", "condition": [{"operand": "0"}]},
                {"metric": "ProviderName", "condition": [{"operand": "mock"}]},
                {"metric": "CostPerHour", "condition": [{"operator": "<=", "operand": "100"}]}]},
            "connections": ["seoul", "virginia", "aws-conn"], "limit": 1000})
        want = self.candidates(lambda conn, c: conn in ("seoul", "virginia") and c["mem"] >= 16 and c["gpu"] == 0)
        self.assertTrue(want, "the mock has such specs")
        self.assertEqual(got["candidates"], len(want))
        self.assertEqual({(r["connectionName"], r["specName"]) for r in got["recommendation"]},
                         {(c["conn"], c["spec"]) for c in want})
        self.assertEqual([e["connectionName"] for e in got["errors"]], ["aws-conn"])
        self.assertIn("127.0.0.1:9", got["errors"][0]["message"])
        got = self.recommend({"filter": {"policy": [
            {"metric": "SpecName", "condition": [{"operand": want[0]["spec"].upper()}]},
            {"metric": "ConnectionName", "condition": [{"operand": "SEOUL"}]}]}})
        self.assertEqual([(r["connectionName"], r["specName"]) for r in got["recommendation"]],
                         [("seoul", want[0]["spec"])])
        got = self.recommend({"limit": 2, "connections": ["tokyo"]})
        self.assertEqual(len(got["recommendation"]), 2)
        self.assertEqual(got["errors"], [])

    def test_random_scores_in_range(self):
        got = self.recommend({"priority": {"policy": [{"metric": "random"}]}, "limit": 1000})
        self.assertEqual(len(got["recommendation"]), len(self.candidates()))
        for r in got["recommendation"]:
            self.assertTrue(0 <= r["scores"]["random"] < 1, r)

    def test_bad_input_names_the_field(self):
        cases = [
            ({"filter": []}, ["filter must be an object"]),
            ({"filter": {"policy": [{"metric": "speed", "condition": [{"operand": "1"}]}]}},
             ["filter.policy[0].metric 'speed' is unknown"]),
            ({"filter": {"policy": [{"metric": "vCPU", "condition": []}]}},
             ["filter.policy[0].condition must be an array"]),
            ({"filter": {"policy": [{"metric": "vCPU", "condition": [{"operator": ">", "operand": "1"}]}]}},
             ["filter.policy[0].condition[0].operator '>' is unknown"]),
            ({"filter": {"policy": [{"metric": "vCPU", "condition": [{"operand": "many"}]}]}},
             ["filter.policy[0].condition[0].operand must be a number"]),
            ({"filter": {"policy": [{"metric": "ProviderName", "condition": [{"operator": ">=", "operand": "A"}]}]}},
             ["ProviderName takes a string operand"]),
            ({"priority": {"policy": [{"metric": "speed"}]}}, ["priority.policy[0].metric 'speed' is unknown"]),
            ({"priority": {"policy": [{"metric": "latency"}]}}, ["'latency' needs measured round trips"]),
            ({"priority": {"policy": [{"metric": "cost", "weight": "-1"}]}}, ["priority.policy[0].weight"]),
            ({"priority": {"policy": [{"metric": "cost", "weight": "0"}]}}, ["weights add up to 0"]),
            ({"priority": {"policy": [{"metric": "location"}]}}, ["priority.policy[0].parameter must hold one"]),
            ({"priority": {"policy": [{"metric": "location", "parameter": [{"key": "near", "val": ["1/2"]}]}]}},
             ["parameter[0].key 'near' is unknown"]),
            ({"priority": {"policy": [{"metric": "location", "parameter": [{"key": "coordinateClose", "val": ["1/2", "3/4"]}]}]}},
             ["must hold exactly one"]),
            ({"priority": {"policy": [{"metric": "location", "parameter": [{"key": "coordinateClose", "val": ["95/10"]}]}]}},
             ["val[0] '95/10' is invalid"]),
            ({"limit": 0}, ["limit must be a whole number"]),
            ({"limit": "2.5"}, ["limit must be a whole number"]),
            ({"connections": "seoul"}, ["connections must be an array"]),
            ({"connections": [3]}, ["connections[0] must be a string"]),
        ]
        for body, words in cases:
            check_error(self, self.d.post("/spider/recommendvm", body), 400, "BadRequest", contains=words)
        check_error(self, self.d.post("/spider/recommendvm", {"connections": ["nope"]}), 404, "NotFound",
                    contains=["connections[0] 'nope'"])


if __name__ == "__main__":
    unittest.main()
