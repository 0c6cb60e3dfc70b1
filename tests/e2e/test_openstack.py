"""The OpenStack driver end to end: spiderd with an OPENSTACK connection to
the loopback OpenStack peer (Keystone, Nova with the fake virt driver,
Neutron, Glance; ../shared/peers/openstack).  Everything a test makes has
the run's unique id in its name and is deleted again, so the three build
variants can share the peer.  Skips, saying why, when the peer is not up."""
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, wait_for  # noqa: E402
import os_util  # noqa: E402

WHY = os_util.unavailable()
RUN = os_util.run_id()
CONN = "os-conn"


@unittest.skipIf(WHY, f"OpenStack peer unavailable: {WHY}")
class OpenStackBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.direct = os_util.Direct()
        cls.d = Daemon().start()
        os_util.add_connection(cls.d, CONN)

    @classmethod
    def tearDownClass(cls):
        cls.sweep()
        cls.d.cleanup()

    @classmethod
    def sweep(cls):
        """Delete whatever this run left in the peer (a failed test)."""
        dr = cls.direct
        for s in dr.ok("GET", "compute", "/servers")["servers"]:
            if RUN in s["name"]:
                dr.delete_server(s["id"])
        for img in dr.ok("GET", "image", "/images")["images"]:
            if RUN in img["name"]:
                dr.call("DELETE", "image", "/images/" + img["id"])
        for k in dr.ok("GET", "compute", "/os-keypairs")["keypairs"]:
            if RUN in k["keypair"]["name"]:
                dr.call("DELETE", "compute",
                        "/os-keypairs/" + k["keypair"]["name"])
        for sg in dr.ok("GET", "network", "/security-groups")[
                "security_groups"]:
            if RUN in sg["name"]:
                dr.call("DELETE", "network", "/security-groups/" + sg["id"])
        for n in dr.ok("GET", "network", "/networks")["networks"]:
            if RUN in n["name"]:
                for p in dr.ok("GET", "network", "/ports?network_id=" +
                               n["id"])["ports"]:
                    dr.call("DELETE", "network", "/ports/" + p["id"])
                dr.call("DELETE", "network", "/networks/" + n["id"])

    # --- REST short-hands ------------------------------------------------
    def call(self, method, path, info=None, conn=CONN, query=None):
        if method == "GET":
            q = {"ConnectionName": conn, **(query or {})}
            return self.d.get(path + ("&" if "?" in path else "?") +
                              urllib.parse.urlencode(q))
        body = {"ConnectionName": conn}
        if info is not None:
            body["ReqInfo"] = info
        return self.d.request(method, path, body, timeout=180)

    def ok(self, method, path, info=None, **kw):
        r = self.call(method, path, info, **kw)
        self.assertEqual(r.status, 200, (method, path, r))
        return r.json()

    def status(self, vm):
        return self.ok("GET", "/spider/vmstatus/" + vm)["Status"]

    def wait_status(self, vm, want, timeout=60):
        seen = []
        wait_for(lambda: seen.append(self.status(vm)) or seen[-1] == want,
                 timeout, 0.2)
        return seen[-1]

    def history(self, limit=500, **filters):
        q = urllib.parse.urlencode({"Limit": limit, **filters})
        r = self.d.get("/spider/callhistory?" + q)
        self.assertEqual(r.status, 200, r)
        return r.json()["callhistory"]


class TestLifecycle(OpenStackBase):
    def test_lifecycle(self):
        """connection -> VPC -> SG -> key pair -> VM (every action, with
        the state it reaches) -> tags -> snapshot -> register a server made
        through nova -> clean-up, checked in OpenStack each step."""
        dr = self.direct
        self.assertEqual(self.ok("GET", f"/spider/connectionconfig/{CONN}/check"),
                         {"Result": "true"})
        specs = {s["Name"] for s in self.ok("GET", "/spider/vmspec")["vmspec"]}
        self.assertLessEqual({"m1.tiny", "m1.small"}, specs)
        images = [i["Name"] for i in self.ok("GET", "/spider/vmimage")["image"]]
        self.assertIn(os_util.IMAGE, images)
        zones = self.ok("GET", "/spider/regionzone")["regionzone"]
        mine = [r for r in zones if r["Name"] == os_util.REGION][0]
        self.assertIn(os_util.ZONE, [z["Name"] for z in mine["ZoneList"]])

        vpc, sub, sg, kp = (f"vpc-{RUN}", f"sub-{RUN}", f"sg-{RUN}",
                            f"kp-{RUN}")
        v = self.ok("POST", "/spider/vpc", {
            "Name": vpc, "IPv4_CIDR": "10.77.0.0/16",
            "SubnetInfoList": [{"Name": sub, "IPv4_CIDR": "10.77.1.0/24"}]})
        self.assertEqual(v["IId"]["NameId"], vpc)
        self.assertEqual(v["IPv4_CIDR"], "10.77.0.0/16")
        net_id = v["IId"]["SystemId"]
        net = dr.ok("GET", "network", "/networks/" + net_id)["network"]
        self.assertIn(RUN, net["name"])
        self.assertEqual(len(net["subnets"]), 1)
        self.assertEqual(v["SubnetInfoList"][0]["IPv4_CIDR"], "10.77.1.0/24")

        s = self.ok("POST", "/spider/securitygroup", {
            "Name": sg, "VPCName": vpc, "SecurityRules": [
                {"Direction": "inbound", "IPProtocol": "TCP",
                 "FromPort": "22", "ToPort": "22", "CIDR": "0.0.0.0/0"},
                {"Direction": "inbound", "IPProtocol": "UDP",
                 "FromPort": "1000", "ToPort": "2000", "CIDR": "10.0.0.0/8"},
                {"Direction": "inbound", "IPProtocol": "ICMP",
                 "FromPort": "-1", "ToPort": "-1", "CIDR": "0.0.0.0/0"}]})
        rules = {(r["Direction"], r["IPProtocol"], r["FromPort"], r["ToPort"],
                  r["CIDR"]) for r in s["SecurityRules"]}
        self.assertLessEqual({("inbound", "TCP", "22", "22", "0.0.0.0/0"),
                              ("inbound", "UDP", "1000", "2000", "10.0.0.0/8"),
                              ("inbound", "ICMP", "-1", "-1", "0.0.0.0/0"),
                              ("outbound", "ALL", "-1", "-1", "0.0.0.0/0")},
                             rules)
        self.assertEqual(s["VpcIID"]["NameId"], vpc)
        sg_id = s["IId"]["SystemId"]
        neutron_rules = dr.ok("GET", "network", "/security-groups/" + sg_id)[
            "security_group"]["security_group_rules"]
        self.assertIn((22, 22, "tcp", "ingress"), {
            (r["port_range_min"], r["port_range_max"], r["protocol"],
             r["direction"]) for r in neutron_rules})
        # rules: add one, adding it again conflicts, remove it
        http = {"Direction": "inbound", "IPProtocol": "TCP", "FromPort": "80",
                "ToPort": "80", "CIDR": "0.0.0.0/0"}
        s2 = self.ok("POST", f"/spider/securitygroup/{sg}/rules",
                     {"RuleInfoList": [http]})
        self.assertIn(http, s2["SecurityRules"])
        r = self.call("POST", f"/spider/securitygroup/{sg}/rules",
                      {"RuleInfoList": [http]})
        self.assertEqual(r.status, 409, r)
        self.ok("DELETE", f"/spider/securitygroup/{sg}/rules",
                {"RuleInfoList": [http]})
        s3 = self.ok("GET", "/spider/securitygroup/" + sg)
        self.assertNotIn(http, s3["SecurityRules"])

        k = self.ok("POST", "/spider/keypair", {"Name": kp})
        self.assertIn("BEGIN RSA PRIVATE KEY", k["PrivateKey"])
        nova_kp = dr.ok("GET", "compute", "/os-keypairs/" +
                        k["IId"]["SystemId"])["keypair"]
        self.assertEqual(nova_kp["fingerprint"], k["Fingerprint"])
        self.assertTrue(k["PublicKey"].startswith("ssh-rsa "))

        # the VM, and every action with the state it reaches
        vm = f"vm-{RUN}"
        steps = []
        t0 = time.monotonic()
        info = self.ok("POST", "/spider/vm", {
            "Name": vm, "ImageName": os_util.IMAGE,
            "VMSpecName": os_util.FLAVOR, "VPCName": vpc, "SubnetName": sub,
            "SecurityGroupNames": [sg], "KeyPairName": kp,
            "TagList": [{"Key": "team", "Value": "spider"}]})
        steps.append(("create", self.status(vm)))
        sid = info["IId"]["SystemId"]
        self.assertEqual(info["VMSpecName"], os_util.FLAVOR)
        self.assertEqual(info["VpcIID"]["NameId"], vpc)
        self.assertEqual(info["SubnetIID"]["NameId"], sub)
        self.assertEqual([g["NameId"] for g in info["SecurityGroupIIds"]], [sg])
        self.assertEqual(info["KeyPairIId"]["NameId"], kp)
        self.assertTrue(info["PrivateIP"].startswith("10.77.1."), info)
        self.assertEqual(info["Region"], {"Region": os_util.REGION,
                                          "Zone": os_util.ZONE})
        self.assertIn({"Key": "team", "Value": "spider"}, info["TagList"])
        server = dr.ok("GET", "compute", "/servers/" + sid)["server"]
        self.assertEqual(server["status"], "ACTIVE")
        self.assertEqual(server["key_name"], k["IId"]["SystemId"])
        for action, via, end in (("suspend", "Suspending", "Suspended"),
                                 ("resume", "Resuming", "Running"),
                                 ("reboot", "Rebooting", "Running")):
            got = self.ok("PUT", f"/spider/controlvm/{vm}?action={action}")
            self.assertEqual(got["Status"], via, action)
            self.assertEqual(self.wait_status(vm, end), end, action)
            steps.append((action, via, end))
        self.assertEqual(dr.server_status(sid), "ACTIVE")
        r = self.call("PUT", f"/spider/controlvm/{vm}?action=resume")
        self.assertEqual(r.status, 409, r)
        all_status = self.ok("GET", "/spider/vmstatus")["vmstatus"]
        self.assertIn({"IId": {"NameId": vm, "SystemId": sid},
                       "VmStatus": "Running"}, all_status)
        lst = self.ok("GET", "/spider/vm")["vm"]
        self.assertIn(vm, [x["IId"]["NameId"] for x in lst])

        # tags on the server (nova's own tags)
        self.ok("POST", "/spider/tag", {"ResourceType": "VM",
                                        "ResourceName": vm,
                                        "Tag": {"Key": "env", "Value": "ci"}})
        tags = self.ok("GET", "/spider/tag", query={
            "ResourceType": "VM", "ResourceName": vm})["tag"]
        self.assertIn({"Key": "env", "Value": "ci"}, tags)
        self.assertIn("env=ci", dr.ok("GET", "compute",
                                      f"/servers/{sid}/tags")["tags"])
        self.ok("DELETE", "/spider/tag/env", {"ResourceType": "VM",
                                              "ResourceName": vm})
        self.assertNotIn("env=ci", dr.ok("GET", "compute",
                                         f"/servers/{sid}/tags")["tags"])

        # snapshot (a Glance image made by nova from the server)
        img = f"img-{RUN}"
        mi = self.ok("POST", "/spider/myimage", {"Name": img, "SourceVM": vm})
        self.assertEqual(mi["SourceVM"]["NameId"], vm)
        gl = dr.ok("GET", "image", "/images/" + mi["IId"]["SystemId"])
        self.assertEqual(gl["instance_uuid"], sid)
        self.assertIn(img, [x["IId"]["NameId"] for x in
                            self.ok("GET", "/spider/myimage")["myImage"]])
        self.ok("DELETE", "/spider/myimage/" + img)
        self.assertEqual(dr.call("GET", "image", "/images/" +
                                 mi["IId"]["SystemId"])[0], 404)

        # register a server made straight through nova
        other = dr.boot(f"direct-{RUN}", net_id)
        try:
            self.assertEqual(dr.wait_server(other, "ACTIVE"), "ACTIVE")
            reg = self.ok("POST", "/spider/regvm",
                          {"Name": f"reg-{RUN}", "CSPId": other})
            self.assertEqual(reg["IId"], {"NameId": f"reg-{RUN}",
                                          "SystemId": other})
            self.assertEqual(reg["VpcIID"]["NameId"], vpc)
            self.assertEqual(self.status(f"reg-{RUN}"), "Running")
            self.ok("DELETE", f"/spider/regvm/reg-{RUN}")
        finally:
            dr.delete_server(other)

        # terminate: the driver waits for nova to let the server go
        got = self.ok("DELETE", "/spider/vm/" + vm)
        self.assertEqual(got["Status"], "Terminated")
        steps.append(("terminate", got["Status"]))
        self.assertIsNone(dr.server_status(sid))
        self.ok("DELETE", "/spider/keypair/" + kp)
        self.assertEqual(dr.call("GET", "compute", "/os-keypairs/" +
                                 k["IId"]["SystemId"])[0], 404)
        self.ok("DELETE", "/spider/securitygroup/" + sg)
        self.ok("DELETE", "/spider/vpc/" + vpc)
        self.assertEqual(dr.call("GET", "network", "/networks/" + net_id)[0],
                         404)
        print(f"\nVM lifecycle in {time.monotonic() - t0:.1f}s: {steps}",
              file=sys.stderr)

        # every OpenStack call is in the call history
        apis = [c["CloudOSAPI"] for c in self.history(ConnectionName=CONN)]
        for want in ("POST nova /v2.1/servers", "POST neutron /v2.0/networks",
                     "POST neutron /v2.0/security-groups",
                     "POST nova /v2.1/os-keypairs",
                     f"DELETE nova /v2.1/servers/{sid}",
                     "POST keystone /v3/auth/tokens"):
            self.assertIn(want, apis)


class TestErrors(OpenStackBase):
    def test_unknown_id_is_404(self):
        zero = "00000000-0000-0000-0000-000000000000"
        for path in ("/spider/cspvm/", "/spider/cspvpc/",
                     "/spider/cspsecuritygroup/", "/spider/cspmyimage/"):
            r = self.call("GET", path + zero)
            self.assertEqual(r.status, 404, (path, r))
            self.assertIn(zero, r.json()["message"], r)
        r = self.call("GET", "/spider/vmimage/no-such-image-" + RUN)
        self.assertEqual(r.status, 404, r)
        r = self.call("GET", "/spider/vmspec/no-such-flavor-" + RUN)
        self.assertEqual(r.status, 404, r)

    def test_wrong_password_is_401(self):
        os_util.add_connection(self.d, "os-badpw", password="not-the-pw")
        r = self.d.get("/spider/connectionconfig/os-badpw/check")
        self.assertEqual(r.status, 401, r)
        msg = r.json()["message"]
        self.assertIn("refused the credential of user 'admin'", msg)
        self.assertIn("The request you have made requires authentication", msg)
        r = self.call("GET", "/spider/vmspec", conn="os-badpw")
        self.assertEqual(r.status, 401, r)

    def test_disks_are_not_supported(self):
        r = self.call("POST", "/spider/disk", {
            "Name": f"disk-{RUN}", "DiskType": "default", "DiskSize": "1"})
        self.assertEqual(r.status, 501, r)

    def test_bad_input_names_the_field(self):
        r = self.call("POST", "/spider/vpc", {
            "Name": f"bad-{RUN}", "IPv4_CIDR": "10.0.0.0/16",
            "SubnetInfoList": [{"Name": f"bads-{RUN}",
                                "IPv4_CIDR": "not-a-cidr"}]})
        self.assertEqual(r.status, 400, r)
        self.assertIn("not-a-cidr", r.json()["message"])
        # nothing is left behind
        nets = self.direct.ok("GET", "network", "/networks")["networks"]
        self.assertNotIn(f"bad-{RUN}", " ".join(n["name"] for n in nets))


class TestToken(OpenStackBase):
    """A token Keystone stops honouring mid-run is renewed once, without
    the caller seeing it: the test's own user has its tokens revoked
    (Keystone revokes every token of a user whose password is set)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dr = cls.direct
        cls.user = f"spider-e2e-{RUN}"
        cls.pw = "pw-" + RUN
        u = dr.ok("POST", "identity", "/users", {"user": {
            "name": cls.user, "domain_id": "default",
            "password": cls.pw}})["user"]
        cls.user_id = u["id"]
        role = dr.ok("GET", "identity", "/roles?name=member")["roles"] or \
            dr.ok("GET", "identity", "/roles?name=admin")["roles"]
        dr.ok("PUT", "identity", f"/projects/{dr.project_id}/users/"
              f"{cls.user_id}/roles/{role[0]['id']}")
        os_util.add_connection(cls.d, "os-tok", user=cls.user,
                               password=cls.pw, project=dr.project_id)

    @classmethod
    def tearDownClass(cls):
        cls.direct.call("DELETE", "identity", "/users/" + cls.user_id)
        super().tearDownClass()

    def test_revoked_token_is_renewed(self):
        # Nova and Neutron cache a token they have seen valid for minutes
        # (keystonemiddleware); Keystone's own API checks it every time,
        # so the call after the revocation is a Keystone one.
        self.ok("GET", "/spider/regionzone", conn="os-tok")
        logins = lambda: [c for c in self.history(ConnectionName="os-tok")  # noqa: E731
                          if c["CloudOSAPI"] == "POST keystone /v3/auth/tokens"]
        self.assertEqual(len(logins()), 1)
        time.sleep(1.1)   # revocations have a one-second granularity
        self.direct.ok("PATCH", "identity", "/users/" + self.user_id,
                       {"user": {"password": self.pw}})
        time.sleep(1.1)
        zones = self.ok("GET", "/spider/regionzone", conn="os-tok")
        self.assertIn(os_util.REGION,
                      [r["Name"] for r in zones["regionzone"]])
        self.assertEqual(len(logins()), 2)
        calls = self.history(ConnectionName="os-tok", Limit=20)
        refused = [c for c in calls if "HTTP 401" in c["ErrorMSG"]]
        self.assertEqual(len(refused), 1, calls)
        self.assertEqual(refused[0]["CloudOSAPI"], "GET keystone /v3/regions")
        # the caller saw no error: the driver method succeeded
        self.assertEqual([c["ErrorMSG"] for c in calls
                          if c["CloudOSAPI"] == "ListRegionZone()"], ["", ""])

if __name__ == "__main__":
    unittest.main()
