"""The mock cloud's catalogue through a connection: regions and zones,
images, specs, prices, and fault injection (docs/api.md "Cloud catalogue";
reference §10 and §14; issue 2 items 3, 6 and 7)."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, check_error  # noqa: E402

CONN = "mock-config01"
Q = "?ConnectionName=" + CONN
REGIONS = ["default", "mercury", "venus", "mars", "jupiter", "saturn",
           "uranus", "neptune"]
IMAGES = {  # reference §14
    "mock-vmimage-01": ("x86_64", "Linux/UNIX", "Ubuntu 18.04"),
    "mock-vmimage-02": ("arm64", "Linux/UNIX", "CentOS 8"),
    "mock-vmimage-03": ("x86_64", "Windows", "Windows Server 2019"),
    "mock-vmimage-04": ("arm64", "Linux/UNIX", "Ubuntu 22.04"),
    "mock-vmimage-05": ("x86_64", "Linux/UNIX", "Amazon Linux 2"),
}
SPECS = ["mock-vmspec-01", "mock-vmspec-02", "mock-vmspec-03",
         "mock-vmspec-04"]
GPU_SPECS = {"mock-vmspec-01", "mock-vmspec-02"}
ARCHS = {"arm32", "arm64", "arm64_mac", "x86_32", "x86_64", "x86_32_mac",
         "x86_64_mac", "NA"}

# (path without query, list key or None, operation name of the mock)
CATALOGUE_ROUTES = [
    ("/spider/regionzone", "regionzone"),
    ("/spider/regionzone/mars", None),
    ("/spider/orgregion", "RegionInfo"),
    ("/spider/orgzone", "ZoneInfo"),
    ("/spider/vmimage", "image"),
    ("/spider/vmimage/mock-vmimage-01", None),
    ("/spider/vmspec", "vmspec"),
    ("/spider/vmspec/mock-vmspec-01", None),
    ("/spider/vmorgspec", "vmspec"),
    ("/spider/vmorgspec/mock-vmspec-01", "VMSpecInfo"),
    ("/spider/productfamily/default", "productfamily"),
    ("/spider/priceinfo/vm/default", None),
]


def is_num_string(s, allow_neg=False):
    if not isinstance(s, str):
        return False
    try:
        v = float(s)
    except ValueError:
        return False
    return allow_neg or v >= 0


class CatalogueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.d.add_mock_connection(CONN)

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def ok(self, path, body=None, method="GET"):
        r = self.d.request(method, path, body)
        self.assertEqual(r.status, 200, (path, r))
        self.assertIn("application/json", r.headers.get("Content-Type", ""))
        return r.json()

    # --- regions and zones ---------------------------------------------
    def check_regionzone(self, rz):
        for k in ("Name", "DisplayName", "CSPDisplayName", "KeyValueList",
                  "ZoneList"):
            self.assertIn(k, rz)
        self.assertIsInstance(rz["KeyValueList"], list)
        self.assertEqual([z["Name"] for z in rz["ZoneList"]],
                         [f"{rz['Name']}-z{i}" for i in (1, 2, 3)])
        for z in rz["ZoneList"]:
            self.assertIn(z["Status"], ("Available", "Unavailable",
                                        "StatusNotSupported"))
            self.assertIsInstance(z["DisplayName"], str)

    def test_regionzone_list(self):
        lst = self.ok("/spider/regionzone" + Q)["regionzone"]
        self.assertEqual(sorted(x["Name"] for x in lst), sorted(REGIONS))
        for rz in lst:
            self.check_regionzone(rz)

    def test_regionzone_get(self):
        rz = self.ok("/spider/regionzone/mars" + Q)
        self.assertEqual(rz["Name"], "mars")
        self.check_regionzone(rz)
        r = self.d.get("/spider/regionzone/pluto" + Q)
        check_error(self, r, 404, "NotFound", contains=["pluto"])

    def test_orgregion_and_orgzone(self):
        raw = self.ok("/spider/orgregion" + Q)
        self.assertEqual(list(raw), ["RegionInfo"])
        self.assertIn("mars", json.dumps(raw["RegionInfo"]))
        raw = self.ok("/spider/orgzone" + Q)
        self.assertEqual(list(raw), ["ZoneInfo"])
        # the connection's region is "default"
        self.assertIn("default-z1", json.dumps(raw["ZoneInfo"]))

    # --- images ---------------------------------------------------------
    def check_image(self, img):
        name = img["IId"]["NameId"]
        self.assertIn("SystemId", img["IId"])
        self.assertIn(name, IMAGES)
        arch, platform, dist = IMAGES[name]
        self.assertEqual(img["OSArchitecture"], arch)
        self.assertEqual(img["OSPlatform"], platform)
        self.assertIn(dist, img["OSDistribution"])
        self.assertIn(img["ImageStatus"], ("Available", "Unavailable", "NA"))
        self.assertTrue(is_num_string(img["OSDiskSizeGB"]), img)
        self.assertIsInstance(img["KeyValueList"], list)
        for k in ("Name", "OSDiskType"):
            self.assertIsInstance(img[k], str, k)

    def test_vmimage_list(self):
        body = self.ok("/spider/vmimage" + Q)
        self.assertEqual(list(body), ["image"])  # not "vmimage" (§3)
        names = sorted(x["IId"]["NameId"] for x in body["image"])
        self.assertEqual(names, sorted(IMAGES))
        for img in body["image"]:
            self.check_image(img)

    def test_vmimage_get(self):
        img = self.ok("/spider/vmimage/mock-vmimage-03" + Q)
        self.assertEqual(img["IId"]["NameId"], "mock-vmimage-03")
        self.check_image(img)

    def test_vmimage_get_percent_encoded(self):
        img = self.ok("/spider/vmimage/mock%2Dvmimage%2D02" + Q)
        self.assertEqual(img["IId"]["NameId"], "mock-vmimage-02")
        enc = "".join(f"%{b:02X}" for b in b"mock-vmimage-04")
        self.assertEqual(self.ok(f"/spider/vmimage/{enc}" + Q)["IId"]
                         ["NameId"], "mock-vmimage-04")

    def test_vmimage_name_with_encoded_slash(self):
        # image IDs may contain '/': :Name is percent-decoded (§10)
        r = self.d.get("/spider/vmimage/ubuntu%2Fjammy%2F22.04" + Q)
        check_error(self, r, 404, "NotFound", contains=["ubuntu/jammy/22.04"])

    def test_vmimage_unknown(self):
        r = self.d.get("/spider/vmimage/no-such-image" + Q)
        check_error(self, r, 404, "NotFound", contains=["no-such-image"])

    # --- specs ----------------------------------------------------------
    def check_spec(self, spec):
        self.assertIn(spec["Name"], SPECS)
        self.assertIsInstance(spec["Region"], str)
        vcpu = spec["VCpu"]
        self.assertTrue(is_num_string(vcpu["Count"]), spec)
        self.assertTrue(4 <= int(vcpu["Count"]) <= 8, spec)
        self.assertTrue(is_num_string(vcpu["ClockGHz"], True), spec)
        self.assertTrue(is_num_string(spec["MemSizeMiB"]), spec)
        self.assertTrue(1024 <= int(spec["MemSizeMiB"]) <= 61 * 1024 + 1024,
                        spec)
        self.assertTrue(is_num_string(spec["DiskSizeGB"], True), spec)
        self.assertIsInstance(spec["Gpu"], list)
        if spec["Name"] in GPU_SPECS:
            self.assertTrue(spec["Gpu"], spec)
            for g in spec["Gpu"]:
                self.assertEqual(g["Model"], "V100")
                self.assertEqual(g["Mfr"], "NVIDIA")
                for k in ("Count", "MemSizeGB", "TotalMemSizeGB"):
                    self.assertTrue(is_num_string(g[k]), g)
                self.assertEqual(int(g["TotalMemSizeGB"]),
                                 int(g["Count"]) * int(g["MemSizeGB"]))
        else:
            self.assertEqual(spec["Gpu"], [], spec)
        self.assertIsInstance(spec["KeyValueList"], list)

    def test_vmspec_list(self):
        body = self.ok("/spider/vmspec" + Q)
        self.assertEqual(list(body), ["vmspec"])
        self.assertEqual(sorted(x["Name"] for x in body["vmspec"]), SPECS)
        for spec in body["vmspec"]:
            self.check_spec(spec)

    def test_vmspec_get(self):
        spec = self.ok("/spider/vmspec/mock-vmspec-02" + Q)
        self.assertEqual(spec["Name"], "mock-vmspec-02")
        self.check_spec(spec)
        r = self.d.get("/spider/vmspec/no-such-spec" + Q)
        check_error(self, r, 404, "NotFound", contains=["no-such-spec"])

    def test_vmorgspec(self):
        body = self.ok("/spider/vmorgspec" + Q)
        self.assertEqual(list(body), ["vmspec"])
        for name in SPECS:
            self.assertIn(name, json.dumps(body["vmspec"]))
        body = self.ok("/spider/vmorgspec/mock-vmspec-04" + Q)
        self.assertEqual(list(body), ["VMSpecInfo"])
        self.assertIn("mock-vmspec-04", json.dumps(body["VMSpecInfo"]))
        self.assertNotIn("mock-vmspec-03", json.dumps(body["VMSpecInfo"]))
        r = self.d.get("/spider/vmorgspec/no-such-spec" + Q)
        check_error(self, r, 404, "NotFound", contains=["no-such-spec"])

    # --- prices ---------------------------------------------------------
    def test_productfamily(self):
        body = self.ok("/spider/productfamily/default" + Q)
        self.assertEqual(list(body), ["productfamily"])
        self.assertTrue(body["productfamily"])
        for x in body["productfamily"]:
            self.assertIsInstance(x, str)
        r = self.d.get("/spider/productfamily/pluto" + Q)
        check_error(self, r, 404, "NotFound", contains=["pluto"])

    def check_price(self, price, region):
        self.assertEqual(price["CloudName"], "MOCK")
        self.assertEqual(price["RegionName"], region)
        self.assertIn("Version", price["Meta"])
        self.assertIn("Description", price["Meta"])
        self.assertIsInstance(price["PriceList"], list)
        for item in price["PriceList"]:
            self.assertIn("ZoneName", item)
            od = item["PriceInfo"]["OnDemand"]
            for k in ("PricingId", "Unit", "Currency", "Price",
                      "Description"):
                self.assertIsInstance(od[k], str, k)
            self.assertGreater(float(od["Price"]), 0)
            self.assertIn("CSPPriceInfo", item["PriceInfo"])
        return [item["ProductInfo"] for item in price["PriceList"]]

    def test_priceinfo_get(self):
        price = self.ok("/spider/priceinfo/vm/default" + Q)
        infos = self.check_price(price, "default")
        self.assertEqual(sorted(p["VMSpecName"] for p in infos), SPECS)
        for p in infos:
            for k in ("ProductId", "Description", "CSPProductInfo"):
                self.assertIn(k, p)
        mars = self.ok("/spider/priceinfo/vm/mars" + Q)
        self.check_price(mars, "mars")

    def test_priceinfo_simple(self):
        price = self.ok("/spider/priceinfo/vm/default" + Q + "&simple")
        infos = self.check_price(price, "default")
        self.assertEqual(len(infos), len(SPECS))
        for p in infos:
            self.assertEqual(list(p), ["VMSpecName"])
        price = self.ok("/spider/priceinfo/vm/default" + Q + "&simple=no")
        for p in self.check_price(price, "default"):
            self.assertEqual(list(p), ["VMSpecName"])

    def test_priceinfo_post_with_filter(self):
        body = {"ConnectionName": CONN, "FilterList": [
            {"Key": "vmSpecName", "Value": "mock-vmspec-02"}]}
        price = self.ok("/spider/priceinfo/vm/default", body, "POST")
        infos = self.check_price(price, "default")
        self.assertEqual([p["VMSpecName"] for p in infos], ["mock-vmspec-02"])
        body["FilterList"].append({"Key": "vmSpecName",
                                   "Value": "mock-vmspec-04"})
        price = self.ok("/spider/priceinfo/vm/default", body, "POST")
        self.assertEqual(sorted(p["VMSpecName"] for p in
                                self.check_price(price, "default")),
                         ["mock-vmspec-02", "mock-vmspec-04"])
        # the same filter on a GET body
        price = self.ok("/spider/priceinfo/vm/default", body, "GET")
        self.assertEqual(len(price["PriceList"]), 2)
        body = {"ConnectionName": CONN, "FilterList": [
            {"Key": "vmSpecName", "Value": "nothing-like-it"}]}
        price = self.ok("/spider/priceinfo/vm/default", body, "POST")
        self.assertEqual(price["PriceList"], [])
        # an empty filter list filters nothing
        price = self.ok("/spider/priceinfo/vm/default",
                        {"ConnectionName": CONN, "FilterList": []}, "POST")
        self.assertEqual(len(price["PriceList"]), len(SPECS))

    def test_priceinfo_bad_filter(self):
        r = self.d.post("/spider/priceinfo/vm/default", {
            "ConnectionName": CONN, "FilterList": "vmSpecName"})
        check_error(self, r, 400, "BadRequest", contains=["FilterList"])
        r = self.d.post("/spider/priceinfo/vm/default", {
            "ConnectionName": CONN, "FilterList": [
                {"Key": "noSuchKey", "Value": "x"}]})
        check_error(self, r, 400, "BadRequest", contains=["noSuchKey"])

    def test_priceinfo_unknown_region(self):
        r = self.d.get("/spider/priceinfo/vm/pluto" + Q)
        check_error(self, r, 404, "NotFound", contains=["pluto"])

    # --- ConnectionName conventions -------------------------------------
    def test_connection_name_in_a_get_body(self):
        body = self.ok("/spider/vmspec", {"ConnectionName": CONN})
        self.assertEqual(len(body["vmspec"]), len(SPECS))
        # keys are case-insensitive, unknown keys ignored
        body = self.ok("/spider/vmspec", {"connectionname": CONN, "x": 1})
        self.assertEqual(len(body["vmspec"]), len(SPECS))

    def test_body_comes_before_query(self):
        r = self.d.get("/spider/vmspec?ConnectionName=bogus-conn",
                       {"ConnectionName": CONN})
        self.assertEqual(r.status, 200, r)
        r = self.d.get("/spider/vmspec" + Q, {"ConnectionName": "bogus-conn"})
        check_error(self, r, 404, "NotFound",
                    message="bogus-conn: does not exist!")
        # null counts as absent: the query is used
        r = self.d.get("/spider/vmspec" + Q, {"ConnectionName": None})
        self.assertEqual(r.status, 200, r)
        # an empty body on GET counts as absent too
        r = self.d.request("GET", "/spider/vmspec" + Q, raw=b"")
        self.assertEqual(r.status, 200, r)

    def test_query_values_are_percent_decoded(self):
        r = self.d.get("/spider/vmspec?ConnectionName=mock%2Dconfig01")
        self.assertEqual(r.status, 200, r)
        r = self.d.get("/spider/vmspec?ConnectionName=no%20such")
        check_error(self, r, 404, "NotFound",
                    message="no such: does not exist!")

    def test_unknown_connection_is_404(self):
        for path, _ in CATALOGUE_ROUTES:
            with self.subTest(path=path):
                r = self.d.get(path + "?ConnectionName=no-such-conn")
                check_error(self, r, 404, "NotFound",
                            message="no-such-conn: does not exist!")
        r = self.d.post("/spider/priceinfo/vm/default",
                        {"ConnectionName": "no-such-conn"})
        check_error(self, r, 404, "NotFound",
                    message="no-such-conn: does not exist!")

    def test_missing_connection_name_is_400(self):
        for path, _ in CATALOGUE_ROUTES:
            with self.subTest(path=path):
                r = self.d.get(path)
                check_error(self, r, 400, "BadRequest",
                            message="ConnectionName is empty!")
                r = self.d.get(path + "?ConnectionName=")
                check_error(self, r, 400, "BadRequest",
                            message="ConnectionName is empty!")

    def test_connection_name_wrong_type_is_400(self):
        r = self.d.get("/spider/vmspec", {"ConnectionName": 42})
        check_error(self, r, 400, "BadRequest", contains=["ConnectionName"])

    def test_every_route_answers(self):
        for path, key in CATALOGUE_ROUTES:
            with self.subTest(path=path):
                body = self.ok(path + Q)
                if key:
                    self.assertIn(key, body)


class FaultInjectionTest(unittest.TestCase):
    """MockLatencyMs, MockFailRate, MockFailOp on the credential or the
    region (the region wins): docs/api.md "Connection setup"."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def injected(self, r, op):
        msg = check_error(self, r, 502, "CloudError")
        self.assertIn("injected", msg)
        self.assertIn(op, msg)

    def test_fail_op(self):
        c = self.d.add_mock_connection("f-op", cred_extra=[
            ("MockFailOp", "ListImage,GetVMSpec")])
        self.injected(self.d.get("/spider/vmimage?ConnectionName=" + c),
                      "ListImage")
        self.injected(self.d.get("/spider/vmspec/mock-vmspec-01"
                                 "?ConnectionName=" + c), "GetVMSpec")
        for path in ("/spider/vmimage/mock-vmimage-01", "/spider/vmspec",
                     "/spider/regionzone"):
            r = self.d.get(path + "?ConnectionName=" + c)
            self.assertEqual(r.status, 200, (path, r))

    def test_fail_every_op(self):
        c = self.d.add_mock_connection("f-all", region_extra=[
            ("MockFailOp", "*")])
        for path, _ in CATALOGUE_ROUTES:
            with self.subTest(path=path):
                r = self.d.get(path + "?ConnectionName=" + c)
                check_error(self, r, 502, "CloudError",
                            contains=["injected"])

    def test_region_wins_over_credential(self):
        c = self.d.add_mock_connection(
            "f-win", cred_extra=[("MockFailOp", "ListImage")],
            region_extra=[("MockFailOp", "ListVMSpec")])
        r = self.d.get("/spider/vmimage?ConnectionName=" + c)
        self.assertEqual(r.status, 200, r)
        self.injected(self.d.get("/spider/vmspec?ConnectionName=" + c),
                      "ListVMSpec")

    def test_fail_rate(self):
        c = self.d.add_mock_connection("f-100", cred_extra=[
            ("MockFailRate", "100")])
        for _ in range(5):
            r = self.d.get("/spider/vmspec?ConnectionName=" + c)
            check_error(self, r, 502, "CloudError", contains=["injected"])
        c = self.d.add_mock_connection("f-0", cred_extra=[
            ("MockFailRate", "0")])
        for _ in range(5):
            r = self.d.get("/spider/vmspec?ConnectionName=" + c)
            self.assertEqual(r.status, 200, r)
        c = self.d.add_mock_connection("f-50", region_extra=[
            ("MockFailRate", "50")])
        statuses = [self.d.get("/spider/regionzone/mars?ConnectionName=" + c)
                    .status for _ in range(60)]
        self.assertEqual(set(statuses), {200, 502}, statuses)
        # chance of fewer than 10 of 60 on either side is below 1e-6
        self.assertGreater(statuses.count(200), 10, statuses)
        self.assertGreater(statuses.count(502), 10, statuses)

    def test_latency(self):
        c = self.d.add_mock_connection("f-slow", cred_extra=[
            ("MockLatencyMs", "400")])
        for path in ("/spider/vmspec", "/spider/regionzone/mars",
                     "/spider/priceinfo/vm/default"):
            t0 = time.monotonic()
            r = self.d.get(path + "?ConnectionName=" + c)
            elapsed = time.monotonic() - t0
            self.assertEqual(r.status, 200, r)
            self.assertGreaterEqual(elapsed, 0.39, path)
        # latency is per call, not a global lock: 4 calls in parallel
        # take about one latency, not four (1 s each here, so that a loaded
        # machine running a sanitizer build cannot blur 1 s into 4 s)
        par = self.d.add_mock_connection("f-slow-par", cred_extra=[
            ("MockLatencyMs", "1000")])
        results = []

        def call():
            results.append(self.d.get("/spider/vmspec?ConnectionName=" + par)
                           .status)

        t0 = time.monotonic()
        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - t0
        self.assertEqual(results, [200] * 4)
        self.assertLess(elapsed, 2.5, "parallel slow calls were serialised")

    def test_latency_set_on_region_overrides_credential(self):
        c = self.d.add_mock_connection(
            "f-slow2", cred_extra=[("MockLatencyMs", "0")],
            region_extra=[("MockLatencyMs", "300")])
        t0 = time.monotonic()
        r = self.d.get("/spider/vmimage?ConnectionName=" + c)
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)

    def test_other_connections_unaffected(self):
        self.d.add_mock_connection("f-bad", cred_extra=[
            ("MockFailOp", "*")])
        c = self.d.add_mock_connection("f-good")
        r = self.d.get("/spider/vmimage?ConnectionName=" + c)
        self.assertEqual(r.status, 200, r)

    def test_bad_fault_values_are_400(self):
        self.assertEqual(self.d.post("/spider/driver", {
            "DriverName": "mock-driver01", "ProviderName": "MOCK",
            "DriverLibFileName": "mock.so"}).status, 200)
        for key, value in (("MockFailRate", "150"),
                           ("MockFailRate", "abc"),
                           ("MockLatencyMs", "-5"),
                           ("MockFailOp", "NoSuchOp")):
            with self.subTest(key=key, value=value):
                name = f"f-bad-{key}-{value}".lower()
                r = self.d.post("/spider/credential", {
                    "CredentialName": name + "-cred", "ProviderName": "MOCK",
                    "KeyValueInfoList": [
                        {"Key": "MockName", "Value": "m"},
                        {"Key": key, "Value": value}]})
                if r.status != 200:
                    # refused at registration: fine, if it says why
                    check_error(self, r, 400, "BadRequest", contains=[key])
                    continue
                self.assertEqual(self.d.post("/spider/region", {
                    "RegionName": name + "-region", "ProviderName": "MOCK",
                    "KeyValueInfoList": [
                        {"Key": "Region", "Value": "default"}]}).status, 200)
                r = self.d.post("/spider/connectionconfig", {
                    "ConfigName": name, "ProviderName": "MOCK",
                    "DriverName": "mock-driver01",
                    "CredentialName": name + "-cred",
                    "RegionName": name + "-region"})
                if r.status != 200:
                    check_error(self, r, 400, "BadRequest", contains=[key])
                    continue
                r = self.d.get("/spider/vmspec?ConnectionName=" + name)
                check_error(self, r, 400, "BadRequest", contains=[key])


if __name__ == "__main__":
    unittest.main()
