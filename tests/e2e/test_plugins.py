"""Driver plugins: picked by file name or provider, ABI checked first, a
missing method answered with 501 naming the driver and the operation."""
import os
import shutil
import tempfile
import unittest

import harness

BUILD_DRIVERS = os.environ.get("SPIDER_DRIVER_DIR")
TEST_DRIVERS = os.environ.get("SPIDER_TEST_DRIVER_DIR")


@unittest.skipUnless(BUILD_DRIVERS and TEST_DRIVERS,
                     "run from ctest: needs SPIDER_DRIVER_DIR and SPIDER_TEST_DRIVER_DIR")
class PluginTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="spider-drivers-")
        for src, name in ((BUILD_DRIVERS, "mock.so"),
                          (TEST_DRIVERS, "partial.so"),
                          (TEST_DRIVERS, "badabi.so")):
            shutil.copy(os.path.join(src, name), os.path.join(cls.dir, name))
        # Something that is not a plugin at all, and a file that is no .so.
        with open(os.path.join(cls.dir, "garbage.so"), "wb") as f:
            f.write(b"\x7fELF not really")
        with open(os.path.join(cls.dir, "README"), "w") as f:
            f.write("not a plugin\n")
        cls.d = harness.Daemon(env={"SPIDER_DRIVER_DIR": cls.dir}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def connect(self, name, lib):
        d = self.d
        self.assertEqual(d.post("/spider/driver", {
            "DriverName": name + "-drv", "ProviderName": "MOCK",
            "DriverLibFileName": lib}).status, 200)
        self.assertEqual(d.post("/spider/credential", {
            "CredentialName": name + "-cred", "ProviderName": "MOCK",
            "KeyValueInfoList": [{"Key": "MockName", "Value": name}]}).status, 200)
        self.assertEqual(d.post("/spider/region", {
            "RegionName": name + "-reg", "ProviderName": "MOCK",
            "KeyValueInfoList": [{"Key": "Region", "Value": "default"}]}).status, 200)
        r = d.post("/spider/connectionconfig", {
            "ConfigName": name, "ProviderName": "MOCK",
            "DriverName": name + "-drv", "CredentialName": name + "-cred",
            "RegionName": name + "-reg"})
        self.assertEqual(r.status, 200, r)
        return name

    def test_bad_plugins_are_skipped_with_a_reason(self):
        log = self.d.stderr()
        self.assertIn("'badabi.so': ABI version 999", log)
        self.assertIn("garbage.so", log)
        self.assertIn("driver plugin 'mock.so' loaded", log)
        self.assertIn("driver plugin 'partial.so' loaded", log)

    def test_named_file_is_used(self):
        conn = self.connect("part", "partial.so")
        r = self.d.get("/spider/regionzone?ConnectionName=" + conn)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([z["Name"] for z in r.json()["regionzone"]],
                         ["only-region"])

    def test_missing_method_is_501_naming_driver_and_operation(self):
        conn = self.connect("part2", "partial.so")
        r = self.d.get("/spider/vmimage?ConnectionName=" + conn)
        self.assertEqual(r.status, 501, r)
        self.assertEqual(r.json()["code"], "NotImplemented")
        self.assertEqual(r.json()["message"],
                         "driver 'partial' (MOCK) does not support ListImage")
        # A method past the size of the table the driver was built with.
        r = self.d.get("/spider/regionzone/x?ConnectionName=" + conn)
        self.assertEqual(r.status, 501, r)
        self.assertIn("does not support GetRegionZone", r.json()["message"])
        cap = self.d.get("/spider/driver/capability?ConnectionName=" + conn)
        self.assertEqual(cap.status, 200)
        self.assertTrue(cap.json()["RegionZoneHandler"])
        self.assertFalse(cap.json()["ImageHandler"])
        self.assertFalse(cap.json()["PriceInfoHandler"])

    def test_refused_file_falls_back_to_the_providers_plugin(self):
        # badabi.so is in the directory but was refused: the provider's
        # loaded plugin (mock.so, first by name) serves the connection.
        conn = self.connect("fallback", "badabi.so")
        r = self.d.get("/spider/vmimage?ConnectionName=" + conn)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["image"]), 5)

    def test_call_of_missing_method_is_recorded_as_an_error(self):
        conn = self.connect("part3", "partial.so")
        self.d.get("/spider/vmspec?ConnectionName=" + conn)
        r = self.d.get("/spider/callhistory?ErrorOnly=true&ConnectionName=" + conn)
        self.assertEqual(r.status, 200, r)
        rows = r.json()["callhistory"]
        self.assertTrue(any(x["CloudOSAPI"] == "ListVMSpec()" and
                            "does not support ListVMSpec" in x["ErrorMSG"]
                            for x in rows), rows)


if __name__ == "__main__":
    unittest.main()
