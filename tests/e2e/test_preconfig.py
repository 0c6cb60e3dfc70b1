"""Looking at a cloud before a connection config exists (preconfig), and
checking a connection config against its cloud live."""
import unittest

import harness
from harness import check_error


class PreconfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = harness.Daemon().start()
        d = cls.d
        d.add_mock_connection("pc-ok", mock_name="pc")
        d.add_mock_connection("pc-bad", mock_name="pc-bad",
                              cred_extra=[("MockFailOp", "CheckConnection")])
        assert d.post("/spider/credential", {
            "CredentialName": "aws-cred", "ProviderName": "AWS",
            "KeyValueInfoList": [{"Key": "ClientId", "Value": "a"},
                                 {"Key": "ClientSecret", "Value": "b"}]}).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def q(self, driver="mock-driver01", cred="pc-ok-cred"):
        return f"DriverName={driver}&CredentialName={cred}"

    def test_regions_without_a_connection(self):
        r = self.d.get("/spider/preconfig/regionzone?" + self.q())
        self.assertEqual(r.status, 200, r)
        names = [z["Name"] for z in r.json()["regionzone"]]
        self.assertEqual(names, ["default", "mercury", "venus", "mars", "jupiter",
                                 "saturn", "uranus", "neptune"])
        r = self.d.get("/spider/preconfig/regionzone/mars?" + self.q())
        self.assertEqual(r.status, 200, r)
        self.assertEqual([z["Name"] for z in r.json()["ZoneList"]],
                         ["mars-z1", "mars-z2", "mars-z3"])
        r = self.d.get("/spider/preconfig/orgregion?" + self.q())
        self.assertEqual(r.status, 200, r)
        self.assertIn("RegionInfo", r.json())

    def test_names_may_come_in_the_body(self):
        r = self.d.get("/spider/preconfig/regionzone",
                       {"drivername": "mock-driver01", "credentialname": "pc-ok-cred"})
        self.assertEqual(r.status, 200, r)

    def test_bad_input(self):
        check_error(self, self.d.get("/spider/preconfig/regionzone?DriverName=mock-driver01"),
                    400, "BadRequest", contains=["CredentialName is empty!"])
        check_error(self, self.d.get("/spider/preconfig/regionzone?" + self.q(cred="nope")),
                    404, "NotFound", contains=["nope: does not exist!"])
        check_error(self, self.d.get("/spider/preconfig/regionzone?" + self.q(cred="aws-cred")),
                    400, "BadRequest", contains=["MOCK", "AWS"])
        check_error(self, self.d.get("/spider/preconfig/regionzone/pluto?" + self.q()),
                    404, "NotFound", contains=["pluto"])

    def test_connection_check(self):
        r = self.d.get("/spider/connectionconfig/pc-ok/check")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"Result": "true"})
        check_error(self, self.d.get("/spider/connectionconfig/pc-bad/check"),
                    502, "CloudError", contains=["CheckConnection"])
        check_error(self, self.d.get("/spider/connectionconfig/nope/check"),
                    404, "NotFound", contains=["nope: does not exist!"])
        rows = self.d.get("/spider/callhistory?ConnectionName=pc-bad").json()["callhistory"]
        self.assertTrue(any(x["CloudOSAPI"] == "CheckConnection()" and x["ErrorMSG"]
                            for x in rows), rows)


if __name__ == "__main__":
    unittest.main()
