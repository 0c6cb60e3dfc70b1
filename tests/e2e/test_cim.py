"""Connection setup (Cloud Info Manager): cloudos and its meta info,
driver, credential, region, connectionconfig, counts, and the JSON
conventions of the request bodies (docs/api.md "Connection setup",
"Request conventions", "Errors"; issue 2 items 3, 5 and 6)."""
import datetime
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Daemon, check_error  # noqa: E402

HIDDEN = "Hidden for security."
CLOUDOS = ["AWS", "AZURE", "GCP", "ALIBABA", "TENCENT", "IBM", "ORACLE",
           "OPENSTACK", "NCP", "NHN", "KT", "KTCLASSIC", "MOCK"]
METAINFO_KEYS = ["Region", "Credential", "CredentialCSP", "RootDiskType",
                 "RootDiskSize", "DiskType", "DiskSize", "IdMaxLength",
                 "DefaultRegionToQuery"]


def id_limits(info):
    """The numbers of IdMaxLength in order (VPC, Subnet, SG, KeyPair, VM,
    Disk, NLB, MyImage, Cluster, NodeGroup, RDBMS), whether the entries are
    "255" or "VPC:255"."""
    return [int(re.search(r"([0-9]+)$", x).group(1))
            for x in info["IdMaxLength"]]


def kv(pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


def kv_dict(lst):
    return {x["Key"]: x.get("Value", "") for x in lst}


def driver(name, lib="mock.so", provider="MOCK"):
    return {"DriverName": name, "ProviderName": provider,
            "DriverLibFileName": lib}


def mock_cred(name, mock_name="m1", extra=()):
    return {"CredentialName": name, "ProviderName": "MOCK",
            "KeyValueInfoList": kv([("MockName", mock_name)] + list(extra))}


def aws_cred(name, cid="AKIA-test", secret="aws-secret-value"):
    return {"CredentialName": name, "ProviderName": "AWS",
            "KeyValueInfoList": kv([("ClientId", cid),
                                    ("ClientSecret", secret)])}


def mock_region(name, region="default"):
    return {"RegionName": name, "ProviderName": "MOCK",
            "KeyValueInfoList": kv([("Region", region)])}


def aws_region(name, region="us-east-1", zone="us-east-1a"):
    return {"RegionName": name, "ProviderName": "AWS",
            "KeyValueInfoList": kv([("Region", region), ("Zone", zone)])}


def config(name, drv, cred, reg, provider="MOCK"):
    return {"ConfigName": name, "ProviderName": provider, "DriverName": drv,
            "CredentialName": cred, "RegionName": reg}


class CIMCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def ok(self, r):
        self.assertEqual(r.status, 200, r)
        return r.json()

    def post_ok(self, path, body):
        return self.ok(self.d.post(path, body))


class CloudOSTest(CIMCase):
    def test_cloudos_list(self):
        got = self.ok(self.d.get("/spider/cloudos"))["cloudos"]
        self.assertEqual(got[0], "AWS")
        self.assertEqual(got[-1], "MOCK")
        for name in CLOUDOS:
            self.assertIn(name, got)
        self.assertEqual(len(got), len(set(got)))
        # the list is the order of the reference (§8)
        self.assertEqual([x for x in got if x in CLOUDOS], CLOUDOS)

    def check_metainfo_shape(self, info):
        for key in METAINFO_KEYS:
            self.assertIn(key, info)
            self.assertIsInstance(info[key], list, key)
            for item in info[key]:
                self.assertIsInstance(item, str, key)

    def test_metainfo_mock(self):
        info = self.ok(self.d.get("/spider/cloudos/metainfo/MOCK"))
        self.check_metainfo_shape(info)
        self.assertEqual(info["Credential"], ["MockName"])
        self.assertEqual(info["CredentialCSP"], ["MockName"])
        # MOCK takes Region only (reference §8, docs/api.md "Region")
        self.assertEqual(info["Region"], ["Region"])
        self.assertEqual(id_limits(info), [255] * 9 + [0, 255])

    def test_metainfo_aws(self):
        info = self.ok(self.d.get("/spider/cloudos/metainfo/AWS"))
        self.check_metainfo_shape(info)
        self.assertEqual(info["Credential"], ["ClientId", "ClientSecret"])
        self.assertEqual(info["CredentialCSP"],
                         ["aws_access_key_id", "aws_secret_access_key"])
        self.assertEqual(info["Region"], ["Region", "Zone"])
        # IdMaxLength carries the AWS row of the reference §7 table
        self.assertEqual(id_limits(info),
                         [255, 256, 255, 255, 255, 256, 32, 127, 100, 0, 63])

    def test_metainfo_every_cloudos(self):
        for name in CLOUDOS:
            with self.subTest(cloudos=name):
                info = self.ok(self.d.get("/spider/cloudos/metainfo/" + name))
                self.check_metainfo_shape(info)
                self.assertTrue(info["Credential"])
                self.assertEqual(len(info["Credential"]),
                                 len(info["CredentialCSP"]))

    def test_metainfo_gcp_aliases(self):
        info = self.ok(self.d.get("/spider/cloudos/metainfo/GCP"))
        self.assertEqual(info["Credential"],
                         ["PrivateKey", "ProjectID", "ClientEmail"])
        self.assertEqual(info["CredentialCSP"],
                         ["private_key", "project_id", "client_email"])

    def test_metainfo_unknown_cloudos(self):
        r = self.d.get("/spider/cloudos/metainfo/NOSUCHCLOUD")
        check_error(self, r, 404, "NotFound", contains=["NOSUCHCLOUD"])


class DriverTest(CIMCase):
    def test_create_get_list_delete(self):
        body = driver("drv-a")
        self.assertEqual(self.post_ok("/spider/driver", body), body)
        self.assertEqual(self.ok(self.d.get("/spider/driver/drv-a")), body)
        lst = self.ok(self.d.get("/spider/driver"))["driver"]
        self.assertIn(body, lst)
        r = self.d.delete("/spider/driver/drv-a")
        self.assertEqual(self.ok(r), {"Result": "true"})
        r = self.d.get("/spider/driver/drv-a")
        check_error(self, r, 404, "NotFound",
                    message="drv-a: does not exist!")
        self.assertNotIn(body, self.ok(self.d.get("/spider/driver"))["driver"])

    def test_upsert(self):
        self.post_ok("/spider/driver", driver("drv-up", "mock.so"))
        self.post_ok("/spider/driver", driver("drv-up",
                                              "mock-driver-v1.0.so"))
        got = self.ok(self.d.get("/spider/driver/drv-up"))
        self.assertEqual(got["DriverLibFileName"], "mock-driver-v1.0.so")
        names = [x["DriverName"]
                 for x in self.ok(self.d.get("/spider/driver"))["driver"]]
        self.assertEqual(names.count("drv-up"), 1)

    def test_delete_missing_is_true(self):
        for kind in ("driver", "credential", "region", "connectionconfig"):
            with self.subTest(kind=kind):
                r = self.d.delete(f"/spider/{kind}/never-was-{kind}")
                self.assertEqual(self.ok(r), {"Result": "true"})

    def test_get_missing_is_404(self):
        for kind in ("driver", "credential", "region", "connectionconfig"):
            with self.subTest(kind=kind):
                r = self.d.get(f"/spider/{kind}/never-was-{kind}")
                check_error(self, r, 404, "NotFound",
                            message=f"never-was-{kind}: does not exist!")

    def test_provider_trimmed_and_upper_cased(self):
        got = self.post_ok("/spider/driver", driver("drv-case",
                                                    provider="  mock \t"))
        self.assertEqual(got["ProviderName"], "MOCK")
        got = self.ok(self.d.get("/spider/driver/drv-case"))
        self.assertEqual(got["ProviderName"], "MOCK")

    def test_provider_filter(self):
        self.post_ok("/spider/driver", driver("drv-f1"))
        for q in ("MOCK", "mock", "%20Mock%20"):
            with self.subTest(q=q):
                lst = self.ok(self.d.get("/spider/driver?ProviderName=" + q))
                names = [x["DriverName"] for x in lst["driver"]]
                self.assertIn("drv-f1", names)
                self.assertTrue(all(x["ProviderName"] == "MOCK"
                                    for x in lst["driver"]))
        lst = self.ok(self.d.get("/spider/driver?ProviderName=AWS"))
        self.assertEqual(lst, {"driver": []})

    def test_unknown_provider_is_400(self):
        r = self.d.post("/spider/driver", driver("drv-x", provider="NOPE"))
        check_error(self, r, 400, "BadRequest", contains=["NOPE"])
        self.assertEqual(self.d.get("/spider/driver/drv-x").status, 404)

    def test_lib_file_name_with_a_path_is_400(self):
        for lib in ("../mock.so", "/abs/path", "/abs/path/mock.so", "a/b",
                    "..", "../../../../usr/lib/x.so", "mock.so/..",
                    "./mock.so"):
            with self.subTest(lib=lib):
                r = self.d.post("/spider/driver", driver("drv-path", lib))
                msg = check_error(self, r, 400, "BadRequest")
                self.assertTrue("DriverLibFileName" in msg or lib in msg,
                                f"message does not say what is wrong: {msg}")
                r = self.d.get("/spider/driver/drv-path")
                self.assertEqual(r.status, 404, r)

    def test_installed_and_original_file_names(self):
        for lib in ("mock.so", "mock-driver-v1.0.so",
                    "some-other-name.so"):
            with self.subTest(lib=lib):
                got = self.post_ok("/spider/driver", driver("drv-lib", lib))
                self.assertEqual(got["DriverLibFileName"], lib)

    def test_provider_without_plugin_is_400(self):
        ddir = harness.driver_dir()
        if ddir is None:
            self.skipTest("no driver directory found")
        files = " ".join(os.listdir(ddir)).lower()
        for prov in ("KTCLASSIC", "TENCENT", "ORACLE"):
            if prov.lower() not in files:
                break
        else:
            self.skipTest("every candidate provider has a plugin")
        r = self.d.post("/spider/driver", driver("drv-none", "x.so", prov))
        msg = check_error(self, r, 400, "BadRequest")
        prefix = f"no driver plugin for provider '{prov}' in '"
        self.assertTrue(msg.startswith(prefix) and msg.endswith("'"), msg)
        self.assertEqual(os.path.realpath(msg[len(prefix):-1]),
                         os.path.realpath(ddir))


class CredentialTest(CIMCase):
    def test_values_hidden_on_create_and_get(self):
        body = aws_cred("cred-aws", "AKIAEXAMPLE", "very-secret-1")
        got = self.post_ok("/spider/credential", body)
        self.assertEqual(got["CredentialName"], "cred-aws")
        self.assertEqual(got["ProviderName"], "AWS")
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"ClientId": HIDDEN, "ClientSecret": HIDDEN})
        got = self.ok(self.d.get("/spider/credential/cred-aws"))
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"ClientId": HIDDEN, "ClientSecret": HIDDEN})
        lst = self.ok(self.d.get("/spider/credential"))["credential"]
        mine = [x for x in lst if x["CredentialName"] == "cred-aws"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(kv_dict(mine[0]["KeyValueInfoList"]),
                         {"ClientId": HIDDEN, "ClientSecret": HIDDEN})
        for r in (self.d.get("/spider/credential"),
                  self.d.get("/spider/credential/cred-aws")):
            self.assertNotIn("very-secret-1", r.body)
            self.assertNotIn("AKIAEXAMPLE", r.body)

    def test_missing_required_key_is_400_listing_it(self):
        body = {"CredentialName": "cred-miss", "ProviderName": "AWS",
                "KeyValueInfoList": kv([("ClientId", "x")])}
        r = self.d.post("/spider/credential", body)
        msg = check_error(self, r, 400, "BadRequest")
        self.assertRegex(msg, r"missing \[[^\]]*ClientSecret[^\]]*\]")
        self.assertRegex(msg, r"want \[[^\]]*ClientId[^\]]*\]")
        self.assertRegex(msg, r"want \[[^\]]*ClientSecret[^\]]*\]")
        self.assertEqual(self.d.get("/spider/credential/cred-miss").status,
                         404)

    def test_empty_value_counts_as_missing(self):
        body = {"CredentialName": "cred-empty", "ProviderName": "AWS",
                "KeyValueInfoList": kv([("ClientId", "x"),
                                        ("ClientSecret", "")])}
        r = self.d.post("/spider/credential", body)
        msg = check_error(self, r, 400, "BadRequest")
        self.assertRegex(msg, r"missing \[[^\]]*ClientSecret[^\]]*\]")

    def test_missing_and_unknown_keys_are_listed(self):
        body = {"CredentialName": "cred-unk", "ProviderName": "GCP",
                "KeyValueInfoList": kv([("ProjectID", "p"),
                                        ("BogusKey", "b")])}
        r = self.d.post("/spider/credential", body)
        msg = check_error(self, r, 400, "BadRequest")
        self.assertRegex(msg, r"missing \[[^\]]*PrivateKey[^\]]*\]")
        self.assertRegex(msg, r"missing \[[^\]]*ClientEmail[^\]]*\]")
        self.assertRegex(msg, r"unknown \[[^\]]*BogusKey[^\]]*\]")
        self.assertRegex(msg, r"want \[[^\]]*PrivateKey[^\]]*\]")

    def test_mock_needs_mock_name(self):
        body = {"CredentialName": "cred-nomock", "ProviderName": "MOCK",
                "KeyValueInfoList": []}
        r = self.d.post("/spider/credential", body)
        msg = check_error(self, r, 400, "BadRequest")
        self.assertRegex(msg, r"missing \[[^\]]*MockName[^\]]*\]")

    def test_csp_native_aliases(self):
        body = {"CredentialName": "cred-alias", "ProviderName": "AWS",
                "KeyValueInfoList": kv([
                    ("aws_access_key_id", "AKIAALIAS"),
                    ("aws_secret_access_key", "alias-secret")])}
        got = self.post_ok("/spider/credential", body)
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"ClientId": HIDDEN, "ClientSecret": HIDDEN})
        body = {"CredentialName": "cred-gcp", "ProviderName": "GCP",
                "KeyValueInfoList": kv([
                    ("private_key", "-----BEGIN PRIVATE KEY-----x"),
                    ("project_id", "proj"),
                    ("client_email", "a@b.c")])}
        got = self.post_ok("/spider/credential", body)
        self.assertEqual(set(kv_dict(got["KeyValueInfoList"])),
                         {"PrivateKey", "ProjectID", "ClientEmail"})

    def test_keys_match_case_insensitively(self):
        body = {"CredentialName": "cred-ci", "ProviderName": "aws",
                "KeyValueInfoList": kv([("clientid", "a"),
                                        ("CLIENTSECRET", "b")])}
        got = self.post_ok("/spider/credential", body)
        self.assertEqual(got["ProviderName"], "AWS")
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"ClientId": HIDDEN, "ClientSecret": HIDDEN})

    def test_upsert_and_provider_filter(self):
        self.post_ok("/spider/credential", mock_cred("cred-up", "one"))
        self.post_ok("/spider/credential", aws_cred("cred-up"))
        got = self.ok(self.d.get("/spider/credential/cred-up"))
        self.assertEqual(got["ProviderName"], "AWS")
        lst = self.ok(self.d.get("/spider/credential?ProviderName=aws"))
        self.assertIn("cred-up", [x["CredentialName"]
                                  for x in lst["credential"]])
        self.assertTrue(all(x["ProviderName"] == "AWS"
                            for x in lst["credential"]))
        lst = self.ok(self.d.get("/spider/credential?ProviderName=MOCK"))
        self.assertNotIn("cred-up", [x["CredentialName"]
                                     for x in lst["credential"]])

    def test_mock_fault_keys_are_accepted(self):
        got = self.post_ok("/spider/credential", mock_cred(
            "cred-fault", extra=[("MockLatencyMs", "5"),
                                 ("MockFailRate", "0"),
                                 ("MockFailOp", "ListImage")]))
        self.assertEqual(set(kv_dict(got["KeyValueInfoList"])),
                         {"MockName", "MockLatencyMs", "MockFailRate",
                          "MockFailOp"})

    def test_unknown_provider_is_400(self):
        body = {"CredentialName": "cred-np", "ProviderName": "NOPE",
                "KeyValueInfoList": kv([("A", "b")])}
        check_error(self, self.d.post("/spider/credential", body), 400,
                    "BadRequest", contains=["NOPE"])


class RegionTest(CIMCase):
    def test_create_get_list(self):
        got = self.post_ok("/spider/region", aws_region("reg-aws"))
        self.assertEqual(got["RegionName"], "reg-aws")
        self.assertEqual(got["ProviderName"], "AWS")
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"Region": "us-east-1", "Zone": "us-east-1a"})
        got = self.ok(self.d.get("/spider/region/reg-aws"))
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"Region": "us-east-1", "Zone": "us-east-1a"})
        lst = self.ok(self.d.get("/spider/region?ProviderName=AWS"))["region"]
        self.assertIn("reg-aws", [x["RegionName"] for x in lst])

    def test_region_key_required(self):
        body = {"RegionName": "reg-nor", "ProviderName": "AWS",
                "KeyValueInfoList": kv([("Zone", "us-east-1a")])}
        check_error(self, self.d.post("/spider/region", body), 400,
                    "BadRequest", contains=["Region"])
        body = {"RegionName": "reg-nor", "ProviderName": "MOCK",
                "KeyValueInfoList": []}
        check_error(self, self.d.post("/spider/region", body), 400,
                    "BadRequest", contains=["Region"])
        self.assertEqual(self.d.get("/spider/region/reg-nor").status, 404)

    def test_upsert(self):
        self.post_ok("/spider/region", mock_region("reg-up", "mars"))
        self.post_ok("/spider/region", mock_region("reg-up", "venus"))
        got = self.ok(self.d.get("/spider/region/reg-up"))
        self.assertEqual(kv_dict(got["KeyValueInfoList"])["Region"], "venus")


class ConnectionConfigTest(CIMCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.d
        for path, body in (("/spider/driver", driver("cc-drv")),
                           ("/spider/credential", mock_cred("cc-cred")),
                           ("/spider/region", mock_region("cc-reg")),
                           ("/spider/credential", aws_cred("cc-aws-cred")),
                           ("/spider/region", aws_region("cc-aws-reg"))):
            r = d.post(path, body)
            assert r.status == 200, r

    def test_create_get_list(self):
        body = config("cc-1", "cc-drv", "cc-cred", "cc-reg")
        got = self.post_ok("/spider/connectionconfig", body)
        for k, v in body.items():
            self.assertEqual(got[k], v, k)
        got = self.ok(self.d.get("/spider/connectionconfig/cc-1"))
        for k, v in body.items():
            self.assertEqual(got[k], v, k)
        lst = self.ok(self.d.get("/spider/connectionconfig"))
        self.assertIn("cc-1", [x["ConfigName"]
                               for x in lst["connectionconfig"]])
        lst = self.ok(self.d.get("/spider/connectionconfig?ProviderName=aws"))
        self.assertNotIn("cc-1", [x["ConfigName"]
                                  for x in lst["connectionconfig"]])

    def test_registered_time_kept_through_edits(self):
        before = time.time()
        first = self.post_ok("/spider/connectionconfig", config("cc-time", "cc-drv", "cc-cred", "cc-reg"))
        when = datetime.datetime.fromisoformat(first["RegisteredTime"].replace("Z", "+00:00")).timestamp()
        self.assertLessEqual(before - 1, when)
        self.assertLessEqual(when, time.time() + 1)
        time.sleep(1.1)
        self.post_ok("/spider/region", mock_region("cc-reg-2"))
        edited = self.post_ok("/spider/connectionconfig", config("cc-time", "cc-drv", "cc-cred", "cc-reg-2"))
        self.assertEqual(edited["RegionName"], "cc-reg-2")
        self.assertEqual(edited["RegisteredTime"], first["RegisteredTime"])
        listed = {x["ConfigName"]: x for x in self.ok(self.d.get("/spider/connectionconfig"))["connectionconfig"]}
        self.assertEqual(listed["cc-time"]["RegisteredTime"], first["RegisteredTime"])
        self.ok(self.d.delete("/spider/connectionconfig/cc-time"))
        again = self.post_ok("/spider/connectionconfig", config("cc-time", "cc-drv", "cc-cred", "cc-reg"))
        self.assertGreater(again["RegisteredTime"], first["RegisteredTime"])

    def test_missing_parts_are_refused(self):
        for field, name in (("DriverName", "no-such-drv"),
                            ("CredentialName", "no-such-cred"),
                            ("RegionName", "no-such-reg")):
            with self.subTest(field=field):
                body = config("cc-bad", "cc-drv", "cc-cred", "cc-reg")
                body[field] = name
                r = self.d.post("/spider/connectionconfig", body)
                check_error(self, r, 400, "BadRequest",
                            message=f"{name}: does not exist!")
                r = self.d.get("/spider/connectionconfig/cc-bad")
                self.assertEqual(r.status, 404, r)

    def test_provider_mismatch_is_refused(self):
        body = config("cc-mix", "cc-drv", "cc-aws-cred", "cc-reg")
        r = self.d.post("/spider/connectionconfig", body)
        msg = check_error(self, r, 400, "BadRequest")
        self.assertTrue("cc-aws-cred" in msg or "AWS" in msg, msg)
        body = config("cc-mix", "cc-drv", "cc-cred", "cc-aws-reg")
        r = self.d.post("/spider/connectionconfig", body)
        msg = check_error(self, r, 400, "BadRequest")
        self.assertTrue("cc-aws-reg" in msg or "AWS" in msg, msg)
        self.assertEqual(self.d.get("/spider/connectionconfig/cc-mix")
                         .status, 404)

    def test_missing_fields(self):
        r = self.d.post("/spider/connectionconfig", {"ConfigName": "cc-e"})
        check_error(self, r, 400, "BadRequest",
                    contains=["DriverName", "CredentialName", "RegionName"])

    def test_delete_in_use_is_409(self):
        self.post_ok("/spider/driver", driver("busy-drv"))
        self.post_ok("/spider/credential", mock_cred("busy-cred"))
        self.post_ok("/spider/region", mock_region("busy-reg"))
        self.post_ok("/spider/connectionconfig",
                     config("busy-cc", "busy-drv", "busy-cred", "busy-reg"))
        for kind, name in (("credential", "busy-cred"),
                           ("driver", "busy-drv"),
                           ("region", "busy-reg")):
            with self.subTest(kind=kind):
                r = self.d.delete(f"/spider/{kind}/{name}")
                check_error(self, r, 409, "Conflict", contains=[name])
                self.assertEqual(self.d.get(f"/spider/{kind}/{name}").status,
                                 200)
        self.assertEqual(self.ok(self.d.delete(
            "/spider/connectionconfig/busy-cc")), {"Result": "true"})
        for kind, name in (("credential", "busy-cred"),
                           ("driver", "busy-drv"),
                           ("region", "busy-reg")):
            self.assertEqual(self.ok(self.d.delete(f"/spider/{kind}/{name}")),
                             {"Result": "true"})
            self.assertEqual(self.d.get(f"/spider/{kind}/{name}").status, 404)

    def test_connection_works_with_either_driver_file_name(self):
        for lib in ("mock.so", "mock-driver-v1.0.so"):
            with self.subTest(lib=lib):
                self.post_ok("/spider/driver", driver("lib-drv", lib))
                self.post_ok("/spider/connectionconfig",
                             config("lib-cc", "lib-drv", "cc-cred", "cc-reg"))
                r = self.d.get("/spider/vmspec?ConnectionName=lib-cc")
                self.assertEqual(r.status, 200, r)
                self.assertTrue(r.json()["vmspec"])

    def test_capability(self):
        self.post_ok("/spider/connectionconfig",
                     config("cap-cc", "cc-drv", "cc-cred", "cc-reg"))
        cap = self.ok(self.d.get(
            "/spider/driver/capability?ConnectionName=cap-cc"))
        bools = ["ZoneBasedControl", "RegionZoneHandler", "PriceInfoHandler",
                 "ImageHandler", "VMSpecHandler", "VPCHandler",
                 "SecurityHandler", "KeyPairHandler", "VMHandler",
                 "DiskHandler", "MyImageHandler", "NLBHandler",
                 "ClusterHandler", "FileSystemHandler", "QuotaInfoHandler",
                 "RDBMSHandler", "DBSpecHandler", "RDBMSMySQLHandler",
                 "RDBMSMariaDBHandler", "RDBMSPostgreSQLHandler",
                 "PublicIPHandler", "NICHandler", "TagHandler", "VPC_CIDR",
                 "EMULATED_VPC", "SINGLE_VPC"]
        for k in bools:
            self.assertIn(k, cap)
            self.assertIsInstance(cap[k], bool, k)
        self.assertIsInstance(cap["TagSupportResourceType"], list)
        for k in ("RegionZoneHandler", "PriceInfoHandler", "ImageHandler",
                  "VMSpecHandler"):
            self.assertIs(cap[k], True, k)
        r = self.d.get("/spider/driver/capability?ConnectionName=no-cc")
        check_error(self, r, 404, "NotFound",
                    message="no-cc: does not exist!")
        r = self.d.get("/spider/driver/capability")
        check_error(self, r, 400, "BadRequest", contains=["ConnectionName"])


class CountTest(unittest.TestCase):
    def test_counts(self):
        with Daemon() as d:
            def count(path):
                r = d.get(path)
                self.assertEqual(r.status, 200, (path, r))
                body = r.json()
                self.assertEqual(list(body), ["count"], path)
                self.assertIsInstance(body["count"], int, path)
                return body["count"]

            for p in ("/spider/countconnectionconfig", "/spider/countdriver",
                      "/spider/countcredential", "/spider/countregion"):
                self.assertEqual(count(p), 0, p)
            d.add_mock_connection("c1")
            d.add_mock_connection("c2")  # same driver name: upserted
            for path, body in (("/spider/credential", aws_cred("a1")),
                               ("/spider/credential", aws_cred("a2")),
                               ("/spider/region", aws_region("ar1"))):
                self.assertEqual(d.post(path, body).status, 200)
            self.assertEqual(count("/spider/countconnectionconfig"), 2)
            self.assertEqual(count("/spider/countconnectionconfig/MOCK"), 2)
            self.assertEqual(count("/spider/countconnectionconfig/mock"), 2)
            self.assertEqual(count("/spider/countconnectionconfig/AWS"), 0)
            self.assertEqual(count("/spider/countdriver"), 1)
            self.assertEqual(count("/spider/countdriver/MOCK"), 1)
            self.assertEqual(count("/spider/countdriver/AWS"), 0)
            self.assertEqual(count("/spider/countcredential"), 4)
            self.assertEqual(count("/spider/countcredential/AWS"), 2)
            self.assertEqual(count("/spider/countcredential/MOCK"), 2)
            self.assertEqual(count("/spider/countregion"), 3)
            self.assertEqual(count("/spider/countregion/aws"), 1)
            d.delete("/spider/connectionconfig/c2")
            self.assertEqual(count("/spider/countconnectionconfig"), 1)
            self.assertEqual(count("/spider/countconnectionconfig/MOCK"), 1)


class JsonConventionsTest(CIMCase):
    """docs/api.md "Request conventions" and reference §2."""

    def test_malformed_json_is_400(self):
        for raw in (b"{", b"{\"DriverName\": }", b"not json", b"{'a':1}",
                    b"{\"DriverName\":\"x\",}", b"\xff\xfe"):
            with self.subTest(raw=raw):
                r = self.d.request("POST", "/spider/driver", raw=raw,
                                   headers={"Content-Type":
                                            "application/json"})
                check_error(self, r, 400, "BadRequest")

    def test_malformed_json_on_get_is_400(self):
        r = self.d.request("GET", "/spider/vmspec", raw=b"{oops",
                           headers={"Content-Type": "application/json"})
        check_error(self, r, 400, "BadRequest")

    def test_body_that_is_not_an_object_is_400(self):
        for body in ([], "x", 3, [driver("arr")]):
            with self.subTest(body=body):
                r = self.d.post("/spider/driver", body)
                check_error(self, r, 400, "BadRequest")

    def test_empty_body_on_post_is_400(self):
        r = self.d.request("POST", "/spider/driver", raw=b"")
        check_error(self, r, 400, "BadRequest", contains=["DriverName"])

    def test_wrong_type_names_the_field(self):
        cases = [
            ("/spider/driver", dict(driver("wt"), DriverName=5),
             "DriverName"),
            ("/spider/driver", dict(driver("wt"), ProviderName=["MOCK"]),
             "ProviderName"),
            ("/spider/driver", dict(driver("wt"), DriverLibFileName=True),
             "DriverLibFileName"),
            ("/spider/credential", dict(mock_cred("wt"),
                                        KeyValueInfoList="x"),
             "KeyValueInfoList"),
            ("/spider/credential", dict(mock_cred("wt"),
                                        KeyValueInfoList={"Key": "a"}),
             "KeyValueInfoList"),
            ("/spider/credential", dict(mock_cred("wt"),
                                        KeyValueInfoList=["MockName"]),
             "KeyValueInfoList"),
            ("/spider/credential", dict(mock_cred("wt"), KeyValueInfoList=[
                {"Key": "MockName", "Value": 7}]), "Value"),
            ("/spider/credential", dict(mock_cred("wt"), KeyValueInfoList=[
                {"Key": 1, "Value": "x"}]), "Key"),
            ("/spider/region", dict(mock_region("wt"), RegionName=1.5),
             "RegionName"),
            ("/spider/connectionconfig", {"ConfigName": {"a": 1}},
             "ConfigName"),
        ]
        for path, body, field in cases:
            with self.subTest(path=path, field=field, body=body):
                r = self.d.post(path, body)
                check_error(self, r, 400, "BadRequest", contains=[field])
        self.assertEqual(self.d.get("/spider/driver/wt").status, 404)
        self.assertEqual(self.d.get("/spider/credential/wt").status, 404)

    def test_missing_fields_are_named(self):
        r = self.d.post("/spider/driver", {})
        check_error(self, r, 400, "BadRequest",
                    contains=["DriverName", "ProviderName",
                              "DriverLibFileName"])
        r = self.d.post("/spider/driver", {"ProviderName": "MOCK",
                                           "DriverLibFileName": "mock.so"})
        check_error(self, r, 400, "BadRequest", contains=["DriverName"])
        r = self.d.post("/spider/driver", {"DriverName": "",
                                           "ProviderName": "MOCK",
                                           "DriverLibFileName": "mock.so"})
        check_error(self, r, 400, "BadRequest", contains=["DriverName"])
        r = self.d.post("/spider/credential", {"CredentialName": "c"})
        check_error(self, r, 400, "BadRequest", contains=["ProviderName"])
        r = self.d.post("/spider/region", {"ProviderName": "MOCK"})
        check_error(self, r, 400, "BadRequest", contains=["RegionName"])

    def test_null_counts_as_absent(self):
        r = self.d.post("/spider/driver", dict(driver("nul"),
                                               DriverLibFileName=None))
        check_error(self, r, 400, "BadRequest",
                    contains=["DriverLibFileName"])

    def test_keys_match_case_insensitively(self):
        body = {"drivername": "ci-drv", "PROVIDERNAME": "mock",
                "driverLibFileName": "mock.so"}
        got = self.post_ok("/spider/driver", body)
        self.assertEqual(got, driver("ci-drv"))
        body = {"credentialname": "ci-cred", "providername": "MOCK",
                "keyvalueinfolist": [{"key": "mockname", "VALUE": "m"}]}
        got = self.post_ok("/spider/credential", body)
        self.assertEqual(got["CredentialName"], "ci-cred")
        self.assertEqual(kv_dict(got["KeyValueInfoList"]),
                         {"MockName": HIDDEN})

    def test_exact_case_wins_over_other_case(self):
        for body in ({"drivername": "wrong", "DriverName": "exact-drv",
                      "ProviderName": "MOCK", "DriverLibFileName": "mock.so"},
                     {"DriverName": "exact-drv", "drivername": "wrong",
                      "ProviderName": "MOCK", "DriverLibFileName": "mock.so"}):
            with self.subTest(body=body):
                got = self.post_ok("/spider/driver", body)
                self.assertEqual(got["DriverName"], "exact-drv")
        self.assertEqual(self.d.get("/spider/driver/wrong").status, 404)

    def test_unknown_keys_are_ignored(self):
        body = dict(driver("unk-drv"), Extra="x", Nested={"a": [1, 2]},
                    IDTransformMode="ON")
        got = self.post_ok("/spider/driver", body)
        self.assertEqual(got, driver("unk-drv"))
        got = self.ok(self.d.get("/spider/driver/unk-drv"))
        self.assertEqual(got, driver("unk-drv"))


if __name__ == "__main__":
    unittest.main()
