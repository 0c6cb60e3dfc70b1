"""VPCs, subnets, security groups and their rules through a mock
connection (reference §11, §12.1, §12.2; docs/api.md "Resources")."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from res_util import ResTestCase, names  # noqa: E402

C = "res-net-conn"
RULE_SSH = {"Direction": "inbound", "IPProtocol": "TCP", "FromPort": "22",
            "ToPort": "22", "CIDR": "0.0.0.0/0"}
RULE_WEB = {"Direction": "inbound", "IPProtocol": "TCP", "FromPort": "80",
            "ToPort": "80", "CIDR": "10.0.0.0/8"}


class VpcTest(ResTestCase):
    CONNECTIONS = [(C, "res-net-vpc", (), ())]

    def test_create_get_list(self):
        info = self.vpc("vpc-cgl", "192.168.0.0/16",
                        (("sn-a", "192.168.1.0/24"),
                         ("sn-b", "192.168.2.0/24")))
        self.assert_iid(info["IId"], "vpc-cgl")
        self.assertEqual(info["IPv4_CIDR"], "192.168.0.0/16")
        subnets = {s["IId"]["NameId"]: s for s in info["SubnetInfoList"]}
        self.assertEqual(sorted(subnets), ["sn-a", "sn-b"])
        self.assert_iid(subnets["sn-a"]["IId"], "sn-a")
        self.assertEqual(subnets["sn-a"]["IPv4_CIDR"], "192.168.1.0/24")
        self.assertTrue(subnets["sn-b"]["Zone"])
        for k in ("TagList", "KeyValueList"):
            self.assertIsInstance(info[k], list)

        got = self.get("/spider/vpc/vpc-cgl")
        self.assertEqual(got["IId"], info["IId"])
        self.assertEqual(sorted(s["IId"]["NameId"]
                                for s in got["SubnetInfoList"]),
                         ["sn-a", "sn-b"])
        lst = self.get("/spider/vpc")
        self.assertEqual(list(lst), ["vpc"])
        self.assertIn(info["IId"], [v["IId"] for v in lst["vpc"]])
        # ConnectionName from a JSON body on GET works as well (§2)
        r = self.d.get("/spider/vpc/vpc-cgl", {"ConnectionName": C})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["IId"], info["IId"])

    def test_count_follows_create_and_delete(self):
        n, ns = self.count("vpc"), self.count("subnet")
        self.vpc("vpc-cnt", subnets=(("sn-c1", "10.0.1.0/24"),
                                     ("sn-c2", "10.0.2.0/24")))
        self.assertEqual(self.count("vpc"), n + 1)
        self.assertEqual(self.count("subnet"), ns + 2)
        self.assertEqual(self.get("/spider/countvpc/" + C, conn=None)
                         ["count"], n + 1)
        r = self.d.get("/spider/countsubnet/" + C)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["count"], ns + 2)
        self.assertEqual(self.delete_ok("/spider/vpc/vpc-cnt"),
                         {"Result": "true"})
        self.assertEqual(self.count("vpc"), n)
        self.assertEqual(self.count("subnet"), ns)
        self.err(self.call("GET", "/spider/vpc/vpc-cnt"), 404,
                 message="The VPC 'vpc-cnt' does not exist!")

    def test_id_transform_off(self):
        info = self.vpc("vpc-off", subnets=(("sn-off", "10.0.1.0/24"),),
                        top={"IDTransformMode": "OFF"})
        self.assert_iid(info["IId"], "vpc-off", transformed=False)
        self.assert_iid(info["SubnetInfoList"][0]["IId"], "sn-off",
                        transformed=False)
        got = self.get("/spider/cspresourcename/vpc-off",
                       query={"ResourceType": "vpc"})
        self.assertEqual(got, {"Name": "vpc-off"})
        on = self.vpc("vpc-on", subnets=())
        got = self.get("/spider/cspresourcename/vpc-on",
                       query={"ResourceType": "vpc"})
        self.assertEqual(got, {"Name": on["IId"]["SystemId"]})
        r = self.call("POST", "/spider/vpc",
                      {"Name": "vpc-x", "IPv4_CIDR": "10.0.0.0/16"},
                      top={"IDTransformMode": "MAYBE"})
        self.err(r, 400, "IDTransformMode")

    def test_bad_input(self):
        base = {"Name": "vpc-bad", "IPv4_CIDR": "10.0.0.0/16"}
        for info, part in [
                ({**base, "Name": ""}, "Name"),
                ({**base, "Name": "bad name!"}, "bad name!"),
                ({**base, "Name": "-dash"}, "-dash"),
                ({**base, "Name": "x" * 129}, "Name"),
                ({**base, "IPv4_CIDR": "10.0.0.0/33"}, "IPv4_CIDR"),
                ({**base, "IPv4_CIDR": "banana"}, "banana"),
                ({**base, "SubnetInfoList": [
                    {"Name": "s 1", "IPv4_CIDR": "10.0.1.0/24"}]}, "s 1"),
        ]:
            with self.subTest(info=info):
                self.err(self.call("POST", "/spider/vpc", info), 400, part)
        self.err(self.call("POST", "/spider/vpc", {}), 400)
        r = self.d.post("/spider/vpc", {"ReqInfo": base})
        self.err(r, 400, message="ConnectionName is empty!")
        r = self.call("POST", "/spider/vpc", base, conn="no-such-conn")
        self.err(r, 404, message="no-such-conn: does not exist!")
        self.err(self.call("GET", "/spider/vpc", conn="no-such-conn"), 404)
        self.assertEqual(self.d.get("/spider/vpc").status, 400)
        # nothing was made by the refused requests
        self.err(self.call("GET", "/spider/vpc/vpc-bad"), 404)

    def test_duplicate_name_is_409(self):
        self.vpc("vpc-dup", subnets=())
        r = self.call("POST", "/spider/vpc",
                      {"Name": "vpc-dup", "IPv4_CIDR": "10.1.0.0/16"})
        self.err(r, 409, message=f"VPC 'vpc-dup' already exists in "
                                 f"connection '{C}'")

    def test_not_found(self):
        for m in ("GET", "DELETE"):
            with self.subTest(method=m):
                self.err(self.call(m, "/spider/vpc/nope"), 404,
                         message="The VPC 'nope' does not exist!")

    def test_delete_with_sg_refused_then_forced(self):
        self.vpc("vpc-dep", subnets=(("sn-dep", "10.0.1.0/24"),))
        self.sg("sg-dep", "vpc-dep")
        r = self.delete("/spider/vpc/vpc-dep")
        self.err(r, 409, "vpc-dep", "sg-dep", "force=true")
        self.assertEqual(self.call("GET", "/spider/vpc/vpc-dep").status, 200)
        self.assertEqual(self.delete_ok("/spider/vpc/vpc-dep", force=True),
                         {"Result": "true"})
        self.err(self.call("GET", "/spider/vpc/vpc-dep"), 404)

    def test_delete_takes_the_connection_from_the_query(self):
        self.vpc("vpc-q", subnets=())
        r = self.d.delete(f"/spider/vpc/vpc-q?ConnectionName={C}")
        self.assertEqual((r.status, r.json()), (200, {"Result": "true"}))
        self.err(self.call("GET", "/spider/vpc/vpc-q"), 404)
        self.err(self.d.delete("/spider/vpc/vpc-q"), 400,
                 message="ConnectionName is empty!")

    def test_delete_after_sg_goes(self):
        self.vpc("vpc-seq", subnets=())
        self.sg("sg-seq", "vpc-seq")
        self.delete_ok("/spider/securitygroup/sg-seq")
        self.delete_ok("/spider/vpc/vpc-seq")
        self.assertNotIn("vpc-seq", self.all_view("vpc")["OnlyCSPList"])


class SubnetTest(ResTestCase):
    CONNECTIONS = [(C, "res-net-subnet", (), ())]

    @classmethod
    def prepare(cls, h):
        h.vpc("vpc-s", subnets=(("sn-0", "10.0.0.0/24"),))

    def add(self, name, cidr, vpc="vpc-s", zone=""):
        return self.call("POST", f"/spider/vpc/{vpc}/subnet",
                         {"Name": name, "Zone": zone, "IPv4_CIDR": cidr})

    def test_add_get_remove(self):
        n = self.count("subnet")
        r = self.add("sn-1", "10.0.1.0/24")
        self.assertEqual(r.status, 200, r)
        vpc = r.json()
        self.assertEqual(vpc["IId"]["NameId"], "vpc-s")
        self.assertIn("sn-1", names(s["IId"] for s in vpc["SubnetInfoList"]))
        self.assertEqual(self.count("subnet"), n + 1)
        # one connection here: the count of all equals the connection's
        self.assertEqual(self.get("/spider/countsubnet")["count"], n + 1)
        sn = self.get("/spider/vpc/vpc-s/subnet/sn-1")
        self.assert_iid(sn["IId"], "sn-1")
        self.assertEqual(sn["IPv4_CIDR"], "10.0.1.0/24")
        self.assertTrue(sn["Zone"])
        self.assertEqual(self.delete_ok("/spider/vpc/vpc-s/subnet/sn-1"),
                         {"Result": "true"})
        self.assertEqual(self.count("subnet"), n)
        self.err(self.call("GET", "/spider/vpc/vpc-s/subnet/sn-1"), 404,
                 message="The Subnet 'sn-1' does not exist!")
        vpc = self.get("/spider/vpc/vpc-s")
        self.assertNotIn("sn-1",
                         names(s["IId"] for s in vpc["SubnetInfoList"]))

    def test_bad_input_and_not_found(self):
        self.err(self.add("", "10.0.2.0/24"), 400, "Name")
        self.err(self.add("sn bad", "10.0.2.0/24"), 400, "sn bad")
        self.err(self.add("sn-2", "10.0.2.0"), 400, "IPv4_CIDR")
        self.err(self.add("sn-2", "10.0.2.0/24", vpc="nope"), 404,
                 message="The VPC 'nope' does not exist!")
        self.err(self.add("sn-0", "10.0.9.0/24"), 409, "sn-0",
                 "already exists")
        self.err(self.call("GET", "/spider/vpc/vpc-s/subnet/nope"), 404,
                 "Subnet", "nope")
        self.err(self.call("GET", "/spider/vpc/nope/subnet/sn-0"), 404,
                 "nope")
        self.err(self.delete("/spider/vpc/vpc-s/subnet/nope"), 404,
                 "Subnet", "nope")
        self.err(self.delete("/spider/vpc/vpc-s/cspsubnet/nope-id"), 404)
        self.err(self.call("POST", "/spider/regsubnet",
                           {"Name": "sn-r", "VPCName": "vpc-s",
                            "CSPId": ""}), 400, "CSPId")
        self.err(self.call("POST", "/spider/regsubnet",
                           {"Name": "sn-r", "VPCName": "vpc-s",
                            "CSPId": "no-such-id"}), 404)
        self.err(self.call("POST", "/spider/regsubnet",
                           {"Name": "sn-r", "VPCName": "nope",
                            "CSPId": "x"}), 404, "VPC", "nope")
        self.err(self.delete("/spider/regsubnet/nope",
                             info={"VPCName": "vpc-s"}), 404, "nope")
        self.err(self.delete("/spider/regsubnet/sn-0", info={}), 400,
                 "VPCName")

    def test_unregister_register_and_csp_delete(self):
        vpc = self.add("sn-u", "10.0.3.0/24").json()
        csp = [s["IId"]["SystemId"] for s in vpc["SubnetInfoList"]
               if s["IId"]["NameId"] == "sn-u"][0]
        n = self.count("subnet")
        # a registered subnet cannot be deleted by its cloud ID
        self.err(self.delete(f"/spider/vpc/vpc-s/cspsubnet/{csp}"), 409,
                 "sn-u")
        self.assertEqual(self.delete_ok("/spider/regsubnet/sn-u",
                                        info={"VPCName": "vpc-s"}),
                         {"Result": "true"})
        self.assertEqual(self.count("subnet"), n - 1)
        self.err(self.call("GET", "/spider/vpc/vpc-s/subnet/sn-u"), 404)
        info = self.ok("POST", "/spider/regsubnet",
                       {"Name": "sn-u2", "Zone": "", "VPCName": "vpc-s",
                        "CSPId": csp})
        self.assertEqual(info["IId"], {"NameId": "sn-u2", "SystemId": csp})
        got = self.get("/spider/vpc/vpc-s/subnet/sn-u2")
        self.assertEqual(got["IId"]["SystemId"], csp)
        self.assertEqual(self.count("subnet"), n)
        # one cloud subnet, one name
        self.err(self.call("POST", "/spider/regsubnet",
                           {"Name": "sn-u3", "Zone": "", "VPCName": "vpc-s",
                            "CSPId": csp}), 409, csp)
        self.assertEqual(self.count("subnet"), n)
        self.delete_ok("/spider/regsubnet/sn-u2", info={"VPCName": "vpc-s"})
        self.assertEqual(self.delete_ok(f"/spider/vpc/vpc-s/cspsubnet/{csp}"),
                         {"Result": "true"})
        # gone from the cloud: registering it again fails
        self.err(self.call("POST", "/spider/regsubnet",
                           {"Name": "sn-u3", "VPCName": "vpc-s",
                            "CSPId": csp}), 404)


class SecurityGroupTest(ResTestCase):
    CONNECTIONS = [(C, "res-net-sg", (), ())]

    @classmethod
    def prepare(cls, h):
        for v in ("vpc-a", "vpc-b"):
            h.vpc(v, subnets=())

    def test_create_normalises_rules(self):
        info = self.sg("sg-norm", "vpc-a", rules=[
            {"Direction": "INBOUND", "IPProtocol": "tcp", "FromPort": "22",
             "ToPort": "22", "CIDR": ""},
            {"Direction": "Outbound", "IPProtocol": "icmp", "FromPort": "",
             "ToPort": "", "CIDR": "10.0.0.0/8"},
            {"Direction": "outbound", "IPProtocol": "all", "FromPort": "1",
             "ToPort": "65535", "CIDR": "0.0.0.0/0"}])
        self.assert_iid(info["IId"], "sg-norm")
        vpc = self.get("/spider/vpc/vpc-a")
        self.assertEqual(info["VpcIID"], vpc["IId"])
        want = [
            {"Direction": "inbound", "IPProtocol": "TCP", "FromPort": "22",
             "ToPort": "22", "CIDR": "0.0.0.0/0"},
            {"Direction": "outbound", "IPProtocol": "ICMP", "FromPort": "-1",
             "ToPort": "-1", "CIDR": "10.0.0.0/8"},
            {"Direction": "outbound", "IPProtocol": "ALL", "FromPort": "-1",
             "ToPort": "-1", "CIDR": "0.0.0.0/0"}]
        key = lambda r: (r["Direction"], r["IPProtocol"])  # noqa: E731

        def rules(info):
            return sorted(({k: r[k] for k in want[0]}
                           for r in info["SecurityRules"]), key=key)
        self.assertEqual(rules(info), sorted(want, key=key))
        got = self.get("/spider/securitygroup/sg-norm")
        self.assertEqual(got["IId"], info["IId"])
        self.assertEqual(rules(got), sorted(want, key=key))
        lst = self.get("/spider/securitygroup")
        self.assertEqual(list(lst), ["securitygroup"])
        self.assertIn("sg-norm", names(s["IId"] for s in lst["securitygroup"]))

    def test_list_by_vpc(self):
        self.sg("sg-in-a", "vpc-a")
        self.sg("sg-in-b", "vpc-b")
        a = names(s["IId"] for s in
                  self.get("/spider/securitygroup/vpc/vpc-a")["securitygroup"])
        b = names(s["IId"] for s in
                  self.get("/spider/securitygroup/vpc/vpc-b")["securitygroup"])
        self.assertIn("sg-in-a", a)
        self.assertNotIn("sg-in-b", a)
        self.assertIn("sg-in-b", b)
        self.assertNotIn("sg-in-a", b)
        self.err(self.call("GET", "/spider/securitygroup/vpc/nope"), 404,
                 message="The VPC 'nope' does not exist!")

    def test_bad_input_duplicate_not_found(self):
        base = {"Name": "sg-bad", "VPCName": "vpc-a",
                "SecurityRules": [RULE_SSH]}
        for info, part in [
                ({**base, "Name": ""}, "Name"),
                ({**base, "Name": "sg/bad"}, "sg/bad"),
                ({**base, "VPCName": ""}, "VPCName"),
        ] + [({**base, "SecurityRules": [{**RULE_SSH, k: v}]}, v)
             for k, v in (("Direction", "sideways"), ("IPProtocol", "SCTP"),
                          ("FromPort", "99999"), ("CIDR", "1.2.3.4/40"))]:
            with self.subTest(info=info):
                self.err(self.call("POST", "/spider/securitygroup", info),
                         400, part)
        self.err(self.call("POST", "/spider/securitygroup",
                           {**base, "VPCName": "nope"}), 404,
                 message="The VPC 'nope' does not exist!")
        self.sg("sg-dup", "vpc-a")
        # names are unique per connection, even across VPCs (§16 #19)
        self.err(self.call("POST", "/spider/securitygroup",
                           {**base, "Name": "sg-dup", "VPCName": "vpc-b"}),
                 409, message=f"Security Group 'sg-dup' already exists in "
                              f"connection '{C}'")
        for m in ("GET", "DELETE"):
            self.err(self.call(m, "/spider/securitygroup/nope"), 404,
                     message="The Security Group 'nope' does not exist!")
        self.err(self.call("GET", "/spider/securitygroup/sg-bad"), 404)

    def test_rules_add_remove(self):
        self.sg("sg-rules", "vpc-a", rules=[RULE_SSH])
        path = "/spider/securitygroup/sg-rules/rules"
        info = self.ok("POST", path, {"RuleInfoList": [RULE_WEB]})
        self.assertEqual(info["IId"]["NameId"], "sg-rules")
        ports = sorted(r["FromPort"] for r in info["SecurityRules"])
        self.assertEqual(ports, ["22", "80"])
        self.err(self.call("POST", path, {"RuleInfoList": [RULE_WEB]}), 409)
        self.err(self.call("POST", path, {"RuleInfoList": []}), 400,
                 "RuleInfoList")
        self.err(self.call("POST", path, {"RuleInfoList": [
            {**RULE_WEB, "Direction": "up"}]}), 400, "up")
        self.assertEqual(self.ok("DELETE", path, {"RuleInfoList": [RULE_WEB]}),
                         {"Result": "true"})
        self.err(self.call("DELETE", path, {"RuleInfoList": [RULE_WEB]}), 404)
        got = self.get("/spider/securitygroup/sg-rules")
        self.assertEqual([r["FromPort"] for r in got["SecurityRules"]],
                         ["22"])
        for m in ("POST", "DELETE"):
            self.err(self.call(m, "/spider/securitygroup/nope/rules",
                               {"RuleInfoList": [RULE_WEB]}), 404,
                     message="The Security Group 'nope' does not exist!")

    def test_owner(self):
        info = self.sg("sg-own", "vpc-b")
        vpc = self.get("/spider/vpc/vpc-b")
        for m in ("GET", "POST"):
            with self.subTest(method=m):
                got = self.ok(m, "/spider/getsecuritygroupowner",
                              {"CSPId": info["IId"]["SystemId"]})
                self.assertEqual(got, vpc["IId"])
        self.err(self.call("POST", "/spider/getsecuritygroupowner",
                           {"CSPId": ""}), 400, "CSPId")
        self.err(self.call("POST", "/spider/getsecuritygroupowner",
                           {"CSPId": "no-such-sg"}), 404)

    def test_delete(self):
        self.sg("sg-del", "vpc-a")
        n = self.count("securitygroup")
        self.assertEqual(self.delete_ok("/spider/securitygroup/sg-del"),
                         {"Result": "true"})
        self.assertEqual(self.count("securitygroup"), n - 1)
        self.err(self.call("GET", "/spider/securitygroup/sg-del"), 404)


if __name__ == "__main__":
    unittest.main()
