"""The mapping views and the routes around them for every resource type:
register / unregister, /allX, /allXinfo, /cspX, /countX (reference §11);
tags (§12.8), AnyCall and name look-ups (§12.9), destroy (§12.10)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from res_util import TYPES, ResTestCase, names  # noqa: E402

A = "res-views-a"
B = "res-views-b"  # the same cloud as A
D = "res-views-destroy"
MOCK = "res-views"
DISPLAY = {"vpc": "VPC", "sg": "Security Group", "keypair": "VM KeyPair",
           "vm": "VM", "disk": "Disk", "myimage": "MyImage"}


def sysids(iids):
    return sorted(i["SystemId"] for i in iids)


class ViewsTest(ResTestCase):
    CONNECTIONS = [(A, MOCK, (), ()), (B, MOCK, (), ()),
                   (D, MOCK + "-destroy", (), ())]
    NET = "w"
    VMS = ("w-src",)

    # one object of each type, made for the round trip; extra ReqInfo keys
    # /regX needs besides Name and CSPId
    def make(self, kind, name):
        if kind == "vpc":
            return self.vpc(name, subnets=()), {}
        if kind == "securitygroup":
            return self.sg(name, "w-vpc"), {"VPCName": "w-vpc"}
        if kind == "keypair":
            return self.keypair(name), {}
        if kind == "vm":
            return (self.vm(name, self.n, top={"IDTransformMode": "OFF"}),
                    {})
        if kind == "disk":
            info = self.disk(name)
            return info, {"Zone": info["Zone"]}
        return self.create("myimage", {"Name": name, "SourceVM": "w-src"}), {}

    def test_register_round_trip_every_type(self):
        for kind, (key, display) in TYPES.items():
            with self.subTest(kind=kind):
                self.round_trip(kind, key, display)

    def round_trip(self, kind, key, display):
        name, again = f"{kind[:4]}-rt", f"{kind[:4]}-rt2"
        info, extra = self.make(kind, name)
        sid = info["IId"]["SystemId"]
        n = self.count(kind)
        self.assertEqual(self.get("/spider/count" + kind)["count"],
                         sum(self.count(kind, c) for c in (A, B, D)))
        lst = self.get("/spider/all" + kind)["AllList"]
        self.assertIn(info["IId"], lst["MappedList"])
        for k in ("OnlySpiderList", "OnlyCSPList"):
            self.assertIsInstance(lst[k], list)  # never null (§16 #7)
        full = self.get(f"/spider/all{kind}info")
        self.assertEqual(full["ResourceType"], kind)
        self.assertIn(info["IId"], [x["IId"] for x in
                                    full["AllListInfo"]["MappedInfoList"]])
        got = self.get(f"/spider/csp{kind}/{sid}")
        self.assertEqual(got["IId"]["SystemId"], sid)
        self.err(self.delete(f"/spider/csp{kind}/{sid}"), 409, name)

        # unregister: the cloud object stays, as OnlyCSP
        self.assertEqual(self.delete_ok(f"/spider/reg{kind}/{name}"),
                         {"Result": "true"})
        self.assertEqual(self.count(kind), n - 1)
        self.err(self.call("GET", f"/spider/{kind}/{name}"), 404,
                 message=f"The {display} '{name}' does not exist!")
        lst = self.get("/spider/all" + kind)["AllList"]
        self.assertIn(sid, sysids(lst["OnlyCSPList"]))
        self.assertNotIn(sid, sysids(lst["MappedList"]))
        full = self.get(f"/spider/all{kind}info")["AllListInfo"]
        self.assertIn(sid, sysids(x["IId"] for x in full["OnlyCSPInfoList"]))
        self.assertNotIn(name, names(x["IId"] for x in
                                     self.get("/spider/" + kind)[key]))

        # register it again under another name: Mapped
        reg = self.ok("POST", "/spider/reg" + kind,
                      {"Name": again, "CSPId": sid, **extra})
        self.assertEqual(reg["IId"], {"NameId": again, "SystemId": sid})
        self.assertEqual(self.count(kind), n)
        self.assertEqual(self.get(f"/spider/{kind}/{again}")["IId"],
                         reg["IId"])
        lst = self.get("/spider/all" + kind)["AllList"]
        self.assertIn(reg["IId"], lst["MappedList"])
        self.assertNotIn(sid, sysids(lst["OnlyCSPList"]))
        self.err(self.call("POST", "/spider/reg" + kind,
                           {"Name": f"{kind[:4]}-rt3", "CSPId": sid,
                            **extra}), 409, sid)
        self.err(self.call("POST", "/spider/reg" + kind,
                           {"Name": again, "CSPId": sid, **extra}), 409,
                 again)

        # gone for good through the cloud ID once unregistered
        self.delete_ok(f"/spider/reg{kind}/{again}")
        self.assertEqual(self.delete_ok(f"/spider/csp{kind}/{sid}"),
                         {"Result": "true"})
        lst = self.get("/spider/all" + kind)["AllList"]
        for k in lst:
            self.assertNotIn(sid, sysids(lst[k]), k)
        self.err(self.call("GET", f"/spider/csp{kind}/{sid}"), 404)
        self.err(self.call("POST", "/spider/reg" + kind,
                           {"Name": again, "CSPId": sid, **extra}), 404)
        self.assertEqual(self.count(kind), n - 1)

    def test_bad_input_and_not_found_every_type(self):
        for kind, (_, display) in TYPES.items():
            extra = {"VPCName": "w-vpc"} if kind == "securitygroup" else {}
            reg = "/spider/reg" + kind
            with self.subTest(kind=kind):
                self.err(self.call("POST", reg, {"Name": "r-x", "CSPId": "",
                                                 **extra}), 400, "CSPId")
                self.err(self.call("POST", reg, {"Name": "", "CSPId": "x",
                                                 **extra}), 400, "Name")
                self.err(self.call("POST", reg, {"Name": "r x", "CSPId": "x",
                                                 **extra}), 400, "r x")
                self.err(self.call("POST", reg, {"Name": "r-x",
                                                 "CSPId": "no-such-id",
                                                 **extra}), 404)
                self.err(self.call("POST", "/spider/" + kind, {}),
                         400)
                self.err(self.delete(f"{reg}/nope"), 404,
                         message=f"The {display} 'nope' does not exist!")
                for m in ("GET", "DELETE"):
                    self.err(self.call(m, f"/spider/csp{kind}/no-such-id"),
                             404)
                for path in ("/spider/" + kind, "/spider/all" + kind,
                             f"/spider/all{kind}info"):
                    self.err(self.call("GET", path, conn="no-such-conn"),
                             404, message="no-such-conn: does not exist!")
                    self.assertEqual(self.d.get(path).status, 400, path)
        self.err(self.call("POST", "/spider/regsecuritygroup",
                           {"Name": "r-x", "CSPId": "x", "VPCName": "nope"}),
                 404, "The VPC 'nope'")

    def test_missing_connection_name_every_route(self):
        routes = []
        for kind in TYPES:
            routes += [("POST", f"/spider/{kind}"), ("GET", f"/spider/{kind}"),
                       ("GET", f"/spider/{kind}/x"),
                       ("DELETE", f"/spider/{kind}/x"),
                       ("POST", f"/spider/reg{kind}"),
                       ("DELETE", f"/spider/reg{kind}/x"),
                       ("GET", f"/spider/all{kind}"),
                       ("GET", f"/spider/all{kind}info"),
                       ("GET", f"/spider/csp{kind}/x"),
                       ("DELETE", f"/spider/csp{kind}/x")]
        routes += [
            ("POST", "/spider/vpc/w-vpc/subnet"),
            ("GET", "/spider/vpc/w-vpc/subnet/w-subnet"),
            ("DELETE", "/spider/vpc/w-vpc/subnet/w-subnet"),
            ("DELETE", "/spider/vpc/w-vpc/cspsubnet/x"),
            ("POST", "/spider/regsubnet"),
            ("DELETE", "/spider/regsubnet/x", {"VPCName": "w-vpc"}),
            ("GET", "/spider/securitygroup/vpc/w-vpc"),
            ("POST", "/spider/securitygroup/w-sg/rules"),
            ("DELETE", "/spider/securitygroup/w-sg/rules"),
            ("GET", "/spider/getsecuritygroupowner", {"CSPId": "x"}),
            ("GET", "/spider/vmstatus"), ("GET", "/spider/vmstatus/w-src"),
            ("GET", "/spider/controlvm/w-src?action=reboot"),
            ("PUT", "/spider/controlvm/w-src?action=reboot"),
            ("GET", "/spider/getvmusingresources?CSPId=x"),
            ("PUT", "/spider/disk/x/size"), ("PUT", "/spider/disk/x/attach"),
            ("PUT", "/spider/disk/x/detach"),
            ("POST", "/spider/tag", {"ResourceType": "vpc",
                                     "ResourceName": "w-vpc",
                                     "Tag": {"Key": "k", "Value": "v"}}),
            ("GET", "/spider/tag?ResourceType=vpc&ResourceName=w-vpc"),
            ("GET", "/spider/tag/k?ResourceType=vpc&ResourceName=w-vpc"),
            ("DELETE", "/spider/tag/k", {"ResourceType": "vpc",
                                         "ResourceName": "w-vpc"}),
            ("POST", "/spider/anycall"),
            ("DELETE", "/spider/destroy"),
            ("GET", "/spider/cspresourcename/w-vpc?ResourceType=vpc"),
            ("GET", "/spider/cspresourceinfo/w-vpc?ResourceType=vpc")]
        for method, path, *info in routes:
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path,
                                   {"ReqInfo": info[0] if info else {}})
                self.err(r, 400, "ConnectionName")
        # nothing was touched
        self.assertEqual(self.status("w-src"), "Running")
        self.assertEqual(len(self.get("/spider/vpc/w-vpc")["SubnetInfoList"]),
                         1)

    def test_count_of_unknown_connection_is_404(self):
        for kind in list(TYPES) + ["subnet"]:
            with self.subTest(kind=kind):
                self.err(self.d.get(f"/spider/count{kind}/no-such-conn"),
                         404, message="no-such-conn: does not exist!")

    def test_register_vpc_registers_its_subnets(self):
        info = self.vpc("vpc-rs", subnets=())
        self.ok("POST", "/spider/vpc/vpc-rs/subnet",
                {"Name": "sn-rs", "IPv4_CIDR": "10.0.1.0/24"})
        sn = self.get("/spider/vpc/vpc-rs/subnet/sn-rs")
        n = self.count("subnet", B)
        reg = self.ok("POST", "/spider/regvpc",
                      {"Name": "vpc-rs-b", "CSPId": info["IId"]["SystemId"]},
                      conn=B)
        self.assertEqual([s["IId"]["SystemId"]
                          for s in reg["SubnetInfoList"]],
                         [sn["IId"]["SystemId"]])
        self.assertEqual(self.count("subnet", B), n + 1)
        got = self.get("/spider/vpc/vpc-rs-b", conn=B)
        self.assertEqual(len(got["SubnetInfoList"]), 1)
        self.delete_ok("/spider/regvpc/vpc-rs-b", conn=B)
        self.assertEqual(self.count("subnet", B), n)

    def test_only_spider_through_a_second_connection(self):
        info = self.vpc("vpc-os", subnets=())
        sid = info["IId"]["SystemId"]
        # B sees the same cloud: the object shows as OnlyCSP there
        self.assertIn(sid, sysids(self.get("/spider/allvpc", conn=B)
                                  ["AllList"]["OnlyCSPList"]))
        reg = self.ok("POST", "/spider/regvpc",
                      {"Name": "vpc-os-b", "CSPId": sid}, conn=B)
        self.assertEqual(reg["IId"], {"NameId": "vpc-os-b", "SystemId": sid})
        self.assertEqual(self.all_view("vpc", B)["MappedList"], ["vpc-os-b"])
        # A deletes it from the cloud: B's row is left OnlySpider
        self.delete_ok("/spider/vpc/vpc-os")
        view = self.get("/spider/allvpc", conn=B)["AllList"]
        self.assertEqual(view["OnlySpiderList"], [reg["IId"]])
        self.assertEqual(view["MappedList"], [])
        full = self.get("/spider/allvpcinfo", conn=B)["AllListInfo"]
        self.assertEqual(full["OnlySpiderList"], [reg["IId"]])
        self.assertEqual(full["MappedInfoList"], [])
        # its list still answers, with an Error item for the lost object
        items = self.get("/spider/vpc", conn=B)["vpc"]
        self.assertEqual([i["IId"] for i in items], [reg["IId"]])
        self.assert_error_items(items)
        self.err(self.call("GET", "/spider/vpc/vpc-os-b", conn=B), 404)
        self.assertEqual(self.count("vpc", B), 1)
        self.assertEqual(self.delete_ok("/spider/vpc/vpc-os-b", conn=B,
                                        force=True), {"Result": "true"})
        self.assertEqual(self.count("vpc", B), 0)

    # --- tags ------------------------------------------------------------
    def test_tags_on_every_type(self):
        objs = {"vpc": "w-vpc", "sg": "w-sg", "keypair": "w-kp",
                "vm": "w-src", "disk": "w-tagdisk"}
        self.disk("w-tagdisk")
        for rtype, name in objs.items():
            with self.subTest(rtype=rtype):
                self.tag_round_trip(rtype, name)

    def tag_round_trip(self, rtype, name):
        target = {"ResourceType": rtype, "ResourceName": name}
        q = {"ResourceType": rtype, "ResourceName": name}
        self.assertEqual(self.ok("POST", "/spider/tag",
                                 {**target, "Tag": {"Key": "env",
                                                    "Value": "dev"}}),
                         {"Key": "env", "Value": "dev"})
        lst = self.get("/spider/tag", query=q)
        self.assertEqual(lst["resourceType"], DISPLAY[rtype])
        self.assertIn({"Key": "env", "Value": "dev"}, lst["tag"])
        self.assertEqual(self.get("/spider/tag/env", query=q),
                         {"Key": "env", "Value": "dev"})
        self.err(self.call("GET", "/spider/tag/nokey", query=q), 404,
                 "nokey")
        self.assertEqual(self.ok("DELETE", "/spider/tag/env", target),
                         {"Result": "true"})
        self.err(self.call("GET", "/spider/tag/env", query=q), 404, "env")
        self.assertNotIn({"Key": "env", "Value": "dev"},
                         self.get("/spider/tag", query=q)["tag"])
        self.err(self.call("DELETE", "/spider/tag/env", target), 404, "env")

    def test_tag_bad_input_and_not_found(self):
        tag = {"Key": "k", "Value": "v"}
        self.err(self.call("GET", "/spider/tag",
                           query={"ResourceType": "vpc"}), 400)
        self.err(self.call("GET", "/spider/tag",
                           query={"ResourceName": "w-vpc"}), 400)
        self.err(self.call("GET", "/spider/tag",
                           query={"ResourceType": "foo",
                                  "ResourceName": "w-vpc"}), 400,
                 message="foo is not a valid resource type")
        self.err(self.call("POST", "/spider/tag",
                           {"ResourceType": "foo", "ResourceName": "w-vpc",
                            "Tag": tag}), 400,
                 message="foo is not a valid resource type")
        self.err(self.call("POST", "/spider/tag",
                           {"ResourceType": "vpc", "ResourceName": "w-vpc",
                            "Tag": {"Key": "", "Value": "v"}}), 400, "Key")
        self.err(self.call("POST", "/spider/tag",
                           {"ResourceType": "vpc", "ResourceName": "nope",
                            "Tag": tag}), 404,
                 message="The VPC 'nope' does not exist!")
        self.err(self.call("GET", "/spider/tag",
                           query={"ResourceType": "VM",
                                  "ResourceName": "nope"}), 404,
                 message="The VM 'nope' does not exist!")
        self.err(self.call("GET", "/spider/tag/k",
                           query={"ResourceType": "disk",
                                  "ResourceName": "nope"}), 404,
                 message="The Disk 'nope' does not exist!")
        self.err(self.call("DELETE", "/spider/tag/k",
                           {"ResourceType": "keypair",
                            "ResourceName": "nope"}), 404,
                 message="The VM KeyPair 'nope' does not exist!")
        self.err(self.call("DELETE", "/spider/tag/k", {}), 400)

    # --- AnyCall, name look-ups ------------------------------------------
    def test_anycall_count_all(self):
        for rs, kind in (("vpc", "vpc"), ("sg", "securitygroup")):
            with self.subTest(rsType=rs):
                view = self.get("/spider/all" + kind)["AllList"]
                want = len(view["MappedList"]) + len(view["OnlyCSPList"])
                out = self.ok("POST", "/spider/anycall", {
                    "FID": "countAll",
                    "IKeyValueList": [{"Key": "rsType", "Value": rs}]})
                self.assertEqual(out["OKeyValueList"],
                                 [{"Key": "Count", "Value": str(want)}])
                self.assertEqual(out["FID"], "countAll")
        self.err(self.call("POST", "/spider/anycall",
                           {"FID": "", "IKeyValueList": []}), 400, "FID")
        r = self.call("POST", "/spider/anycall",
                      {"FID": "launchMissiles", "IKeyValueList": []})
        self.assertIn(r.status, (400, 501), r)
        self.assertIn("launchMissiles", r.json()["message"])
        self.err(self.call("POST", "/spider/anycall", {"FID": "countAll"},
                           conn="no-such-conn"), 404)

    def test_csp_resource_name_and_info(self):
        vpc = self.get("/spider/vpc/w-vpc")
        self.assertEqual(self.get("/spider/cspresourcename/w-vpc",
                                  query={"ResourceType": "vpc"}),
                         {"Name": vpc["IId"]["SystemId"]})
        raw = self.get("/spider/cspresourceinfo/w-vpc",
                       query={"ResourceType": "vpc"})
        self.assertIn(vpc["IId"]["SystemId"], str(raw))
        for path in ("/spider/cspresourcename/nope",
                     "/spider/cspresourceinfo/nope"):
            self.err(self.call("GET", path, query={"ResourceType": "vpc"}),
                     404, message="The VPC 'nope' does not exist!")
            self.err(self.call("GET", path, query={"ResourceType": "foo"}),
                     400, "foo")

    # --- destroy ---------------------------------------------------------
    def test_destroy_everything(self):
        n = self.net("x", conn=D)
        self.vm("x-vm", n, conn=D)
        self.disk("x-disk", conn=D)
        self.ok("PUT", "/spider/disk/x-disk/attach", {"VMName": "x-vm"},
                conn=D)
        self.create("myimage", {"Name": "x-img", "SourceVM": "x-vm"}, conn=D)
        out = self.ok("DELETE", "/spider/destroy", conn=D)
        self.assertIs(out["IsAllDestroyed"], True, out)
        by_type = {e["ResourceType"]: e
                   for e in out["DeletedAllListByResourceType"]}
        want = {"vm": ["x-vm"], "disk": ["x-disk"], "keypair": ["x-kp"],
                "securitygroup": ["x-sg"], "vpc": ["x-vpc"],
                "myimage": ["x-img"]}
        for kind, nm in want.items():
            with self.subTest(kind=kind):
                e = by_type[kind]
                self.assertIs(e["IsAllDeleted"], True, e)
                self.assertEqual(names(e["DeletedIIDList"]), nm)
                self.assertEqual(e["RemainedErrorInfoList"], [])
                self.assertEqual(self.count(kind, D), 0)
                view = self.all_view(kind, D)
                self.assertEqual(view, {"MappedList": [],
                                        "OnlySpiderList": [],
                                        "OnlyCSPList": []})
        self.assertEqual(self.count("subnet", D), 0)
        again = self.ok("DELETE", "/spider/destroy", conn=D)
        self.assertIs(again["IsAllDestroyed"], True)
        self.err(self.call("DELETE", "/spider/destroy", conn="no-such-conn"),
                 404)


if __name__ == "__main__":
    unittest.main()
