"""The AWS driver end to end: spiderd drives moto_server (a real EC2
implementation) on loopback through the REST API, in two regions at once:
connection, catalogue, VPC and subnets, security group and rules, key
pair, the VM lifecycle, disks, a snapshot (my image), tags, registering an
instance made outside Spider, and clean-up.  Skipped when moto_server is
missing (pip install 'moto[server]')."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORD, SPCTL, USER, Daemon, wait_for  # noqa: E402
from aws_util import (KEY_ID, SECRET, Moto, add_aws_connection,  # noqa: E402
                      moto_image, skip_without_moto)

REGIONS = (("aws-use1", "us-east-1", "us-east-1a", False, True),
           ("aws-euw1", "eu-west-1", "eu-west-1b", True, False))


@skip_without_moto
class AwsLifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto().start()
        cls.d = Daemon().start()
        for conn, region, zone, alias, ep_on_region in REGIONS:
            add_aws_connection(cls.d, conn, region, cls.moto.url, zone=zone,
                               alias=alias, endpoint_on_region=ep_on_region)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.cleanup()
        finally:
            cls.moto.stop()

    # --- helpers ----------------------------------------------------------
    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        return r.json()

    def test_lifecycle_two_regions(self):
        errors = []

        def run(args):
            try:
                self.lifecycle(*args)
            except BaseException as e:  # reported below, with its region
                import traceback
                errors.append(f"{args[1]}: {traceback.format_exc()}")
                raise e

        threads = [threading.Thread(target=run, args=(r,)) for r in REGIONS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(errors, [])
        self.check_call_history()

    def lifecycle(self, conn, region, zone, alias, ep_on_region):
        d, ec2 = self.d, self.moto.ec2(region)
        C = {"ConnectionName": conn}
        q = "?ConnectionName=" + conn

        # catalogue
        rz = self.ok(d.get(f"/spider/regionzone/{region}{q}"))
        self.assertEqual(rz["Name"], region)
        self.assertIn(zone, [z["Name"] for z in rz["ZoneList"]])
        self.assertEqual(d.get(f"/spider/regionzone/no-such-1{q}").status, 404)
        spec = self.ok(d.get(f"/spider/vmspec/t2.micro{q}"))
        self.assertEqual((spec["VCpu"]["Count"], spec["MemSizeMiB"]), ("1", "1024"))
        self.assertEqual(d.get(f"/spider/vmspec/x9.nope{q}").status, 404)
        images = self.ok(d.get(f"/spider/vmimage{q}"))["image"]
        self.assertTrue(images)
        self.assertTrue(all(i["OSArchitecture"] in ("x86_64", "arm64") for i in images))
        image = moto_image(ec2)
        self.assertEqual(self.ok(d.get(f"/spider/vmimage/{image}{q}"))["IId"]["SystemId"], image)

        # VPC, subnets
        vpc = self.ok(d.post("/spider/vpc", dict(C, ReqInfo={
            "Name": "vpc-01", "IPv4_CIDR": "10.1.0.0/16",
            "TagList": [{"Key": "team", "Value": "blue"}],
            "SubnetInfoList": [{"Name": "sub-01", "IPv4_CIDR": "10.1.1.0/24"}]})))
        vpc_id = vpc["IId"]["SystemId"]
        self.assertTrue(vpc_id.startswith("vpc-"))
        self.assertEqual(vpc["SubnetInfoList"][0]["Zone"], zone)
        self.assertEqual(vpc["TagList"], [{"Key": "team", "Value": "blue"}])
        tags = {t["Key"]: t["Value"] for t in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"]}
        self.assertRegex(tags["Name"], r"^vpc-01-[0-9a-v]{20}$")
        igw = ec2.describe_internet_gateways(Filters=[
            {"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        self.assertEqual(len(igw), 1)
        v2 = self.ok(d.post("/spider/vpc/vpc-01/subnet", dict(C, ReqInfo={
            "Name": "sub-02", "IPv4_CIDR": "10.1.2.0/24"})))
        self.assertEqual(len(v2["SubnetInfoList"]), 2)
        self.ok(d.delete("/spider/vpc/vpc-01/subnet/sub-02", C))
        self.assertEqual(len(ec2.describe_subnets(Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]), 1)

        # security group and rules
        ssh = {"Direction": "inbound", "IPProtocol": "TCP", "FromPort": "22",
               "ToPort": "22", "CIDR": "0.0.0.0/0"}
        web = dict(ssh, FromPort="80", ToPort="80")
        sg = self.ok(d.post("/spider/securitygroup", dict(C, ReqInfo={
            "Name": "sg-01", "VPCName": "vpc-01", "SecurityRules": [ssh]})))
        self.assertEqual(sg["SecurityRules"], [ssh])
        self.assertEqual(sg["VpcIID"]["NameId"], "vpc-01")
        sg_id = sg["IId"]["SystemId"]
        raw = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
        self.assertEqual(raw["IpPermissionsEgress"], [])
        rules = self.ok(d.post("/spider/securitygroup/sg-01/rules", dict(C, ReqInfo={
            "RuleInfoList": [web]})))["SecurityRules"]
        self.assertIn(web, rules)
        self.assertEqual(d.post("/spider/securitygroup/sg-01/rules", dict(C, ReqInfo={
            "RuleInfoList": [web]})).status, 409)
        self.ok(d.delete("/spider/securitygroup/sg-01/rules", dict(C, ReqInfo={
            "RuleInfoList": [web]})))
        self.assertEqual(d.delete("/spider/securitygroup/sg-01/rules", dict(C, ReqInfo={
            "RuleInfoList": [web]})).status, 404)

        # key pair
        kp = self.ok(d.post("/spider/keypair", dict(C, ReqInfo={"Name": "kp-01"})))
        self.assertTrue(kp["PrivateKey"].startswith("-----BEGIN"))
        self.assertTrue(kp["PublicKey"].startswith("ssh-rsa AAAA"))
        self.assertEqual(self.ok(d.get("/spider/keypair/kp-01" + q))["PrivateKey"],
                         "Hidden for security.")
        self.assertEqual(d.post("/spider/keypair", dict(C, ReqInfo={"Name": "kp-01"})).status, 409)

        # VM lifecycle
        vm = self.ok(d.post("/spider/vm", dict(C, ReqInfo={
            "Name": "vm-01", "ImageName": image, "VMSpecName": "t2.micro",
            "VPCName": "vpc-01", "SubnetName": "sub-01",
            "SecurityGroupNames": ["sg-01"], "KeyPairName": "kp-01",
            "RootDiskType": "gp3", "RootDiskSize": "20",
            "TagList": [{"Key": "role", "Value": "web"}]})))
        vm_id = vm["IId"]["SystemId"]
        self.assertTrue(vm_id.startswith("i-"))
        self.assertEqual((vm["RootDiskType"], vm["RootDiskSize"]), ("gp3", "20"))
        self.assertEqual(vm["VpcIID"]["NameId"], "vpc-01")
        self.assertEqual(vm["SubnetIID"]["NameId"], "sub-01")
        self.assertEqual([s["NameId"] for s in vm["SecurityGroupIIds"]], ["sg-01"])
        self.assertEqual(vm["KeyPairIId"]["NameId"], "kp-01")
        self.assertEqual(vm["Region"], {"Region": region, "Zone": zone})
        self.assertIn({"Key": "role", "Value": "web"}, vm["TagList"])
        raw = ec2.describe_instances(InstanceIds=[vm_id])["Reservations"][0]["Instances"][0]
        self.assertEqual(raw["InstanceType"], "t2.micro")
        self.assertEqual(self.ok(d.get("/spider/vmstatus/vm-01" + q))["Status"], "Running")
        self.assertEqual(self.ok(d.get(f"/spider/controlvm/vm-01{q}&action=suspend"))["Status"],
                         "Suspending")
        self.assertEqual(wait_for(lambda: self.ok(d.get("/spider/vmstatus/vm-01" + q))["Status"]
                                  == "Suspended", 30), True)
        self.assertEqual(d.get(f"/spider/controlvm/vm-01{q}&action=suspend").status, 409)
        self.assertEqual(d.get(f"/spider/controlvm/vm-01{q}&action=reboot").status, 409)
        self.assertEqual(self.ok(d.get(f"/spider/controlvm/vm-01{q}&action=resume"))["Status"],
                         "Resuming")
        self.assertEqual(wait_for(lambda: self.ok(d.get("/spider/vmstatus/vm-01" + q))["Status"]
                                  == "Running", 30), True)
        self.assertEqual(self.ok(d.get(f"/spider/controlvm/vm-01{q}&action=reboot"))["Status"],
                         "Rebooting")
        statuses = self.ok(d.get("/spider/vmstatus" + q))["vmstatus"]
        self.assertEqual([(s["IId"]["NameId"], s["VmStatus"]) for s in statuses],
                         [("vm-01", "Running")])

        # disk
        disk = self.ok(d.post("/spider/disk", dict(C, ReqInfo={
            "Name": "disk-01", "DiskType": "gp3", "DiskSize": "10"})))
        self.assertEqual((disk["Zone"], disk["DiskType"], disk["DiskSize"], disk["Status"]),
                         (zone, "gp3", "10", "Available"))
        att = self.ok(d.put("/spider/disk/disk-01/attach", dict(C, ReqInfo={"VMName": "vm-01"})))
        self.assertEqual((att["Status"], att["OwnerVM"]["NameId"]), ("Attached", "vm-01"))
        self.assertIn("disk-01", [x["NameId"] for x in
                                  self.ok(d.get("/spider/vm/vm-01" + q))["DataDiskIIDs"]])
        self.ok(d.put("/spider/disk/disk-01/size", dict(C, ReqInfo={"Size": "30"})))
        self.assertEqual(self.ok(d.get("/spider/disk/disk-01" + q))["DiskSize"], "30")
        self.assertEqual(d.put("/spider/disk/disk-01/size", dict(C, ReqInfo={"Size": "5"})).status, 400)
        self.ok(d.put("/spider/disk/disk-01/detach", dict(C, ReqInfo={"VMName": "vm-01"})))
        self.assertEqual(wait_for(lambda: self.ok(d.get("/spider/disk/disk-01" + q))["Status"]
                                  == "Available", 30), True)

        # snapshot (my image)
        img = self.ok(d.post("/spider/myimage", dict(C, ReqInfo={"Name": "img-01",
                                                                   "SourceVM": "vm-01"})))
        self.assertTrue(img["IId"]["SystemId"].startswith("ami-"))
        self.assertEqual(img["SourceVM"]["NameId"], "vm-01")
        self.assertEqual([i["IId"]["NameId"] for i in
                          self.ok(d.get("/spider/myimage" + q))["myImage"]], ["img-01"])

        # tags
        self.ok(d.post("/spider/tag", dict(C, ReqInfo={
            "ResourceType": "VPC", "ResourceName": "vpc-01",
            "Tag": {"Key": "env", "Value": "test"}})))
        tq = f"{q}&ResourceType=VPC&ResourceName=vpc-01"
        self.assertEqual(sorted(t["Key"] for t in self.ok(d.get("/spider/tag" + tq))["tag"]),
                         ["env", "team"])
        self.assertEqual(self.ok(d.get("/spider/tag/env" + tq))["Value"], "test")
        self.ok(d.delete("/spider/tag/env", dict(C, ReqInfo={"ResourceType": "VPC",
                                                            "ResourceName": "vpc-01"})))
        self.assertEqual(d.get("/spider/tag/env" + tq).status, 404)
        self.ok(d.post("/spider/tag", dict(C, ReqInfo={
            "ResourceType": "keypair", "ResourceName": "kp-01",
            "Tag": {"Key": "owner", "Value": "ops"}})))
        self.assertEqual(self.ok(d.get(f"/spider/tag/owner{q}&ResourceType=keypair"
                                       f"&ResourceName=kp-01"))["Value"], "ops")

        # register an instance made outside Spider
        sub_id = vpc["SubnetInfoList"][0]["IId"]["SystemId"]
        ext = ec2.run_instances(ImageId=image, InstanceType="t3.nano", MinCount=1,
                                MaxCount=1, SubnetId=sub_id)["Instances"][0]["InstanceId"]
        reg = self.ok(d.post("/spider/regvm", dict(C, ReqInfo={"Name": "ext-vm", "CSPId": ext})))
        self.assertEqual(reg["IId"], {"NameId": "ext-vm", "SystemId": ext})
        self.assertEqual(reg["VpcIID"]["NameId"], "vpc-01")
        self.assertEqual(d.post("/spider/regvm", dict(C, ReqInfo={
            "Name": "ghost", "CSPId": "i-0123456789abcdef0"})).status, 404)
        names = sorted(v["IId"]["NameId"] for v in self.ok(d.get("/spider/vm" + q))["vm"])
        self.assertEqual(names, ["ext-vm", "vm-01"])

        # clean-up
        self.ok(d.delete("/spider/myimage/img-01", C))
        self.assertEqual(ec2.describe_images(Owners=["self"])["Images"], [])
        self.ok(d.delete("/spider/disk/disk-01", C))
        for name in ("vm-01", "ext-vm"):
            self.ok(d.delete("/spider/vm/" + name, C))
        self.assertEqual(self.ok(d.get("/spider/vm" + q))["vm"], [])
        self.ok(d.delete("/spider/keypair/kp-01", C))
        self.ok(d.delete("/spider/securitygroup/sg-01", C))
        self.ok(d.delete("/spider/vpc/vpc-01", C))
        self.assertEqual(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"], [])
        self.assertEqual(ec2.describe_key_pairs()["KeyPairs"], [])
        left = [v for v in self.ok(d.get("/spider/vpc" + q))["vpc"]]
        self.assertTrue(all(v["IId"]["SystemId"] != vpc_id for v in left))

    def check_call_history(self):
        calls = self.ok(self.d.get("/spider/callhistory?ConnectionName=aws-use1&Limit=10000"))
        apis = {c["CloudOSAPI"] for c in calls["callhistory"]}
        for api in ("RunInstances", "StopInstances", "StartInstances", "RebootInstances",
                    "TerminateInstances", "CreateVpc", "CreateSecurityGroup",
                    "CreateKeyPair", "CreateVolume", "AttachVolume", "ModifyVolume",
                    "CreateImage", "DeregisterImage", "CreateTags", "DeleteTags"):
            self.assertIn(api, apis)
        run = [c for c in calls["callhistory"] if c["CloudOSAPI"] == "RunInstances"][0]
        self.assertEqual(run["ErrorMSG"], "")
        self.assertGreater(float(run["ElapsedTime"]), 0)


class MotoCase(unittest.TestCase):
    """A moto_server and a spiderd for the tests of a class."""

    @classmethod
    def setUpClass(cls):
        cls.moto = Moto().start()
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.cleanup()
        finally:
            cls.moto.stop()

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        return r.json()


@skip_without_moto
class AwsConnection(MotoCase):
    """Bad keys and a bad Endpoint are refused naming the field; a
    credential EC2 refuses is 401."""

    def test_bad_endpoint(self):
        add_aws_connection(self.d, "bad-ep", "us-east-1", "ftp://127.0.0.1:1")
        r = self.d.get("/spider/vpc?ConnectionName=bad-ep")
        self.assertEqual(r.status, 400, r)
        self.assertIn("Endpoint", r.json()["message"])

    def test_bad_region(self):
        add_aws_connection(self.d, "bad-region", "US EAST", self.moto.url)
        r = self.d.get("/spider/vpc?ConnectionName=bad-region")
        self.assertEqual(r.status, 400, r)
        self.assertIn("Region", r.json()["message"])

    def test_unreachable_endpoint(self):
        add_aws_connection(self.d, "dead", "us-east-1", "http://127.0.0.1:9")
        t = time.monotonic()
        r = self.d.get("/spider/vmspec?ConnectionName=dead")
        self.assertEqual(r.status, 502, r)
        self.assertIn("gave up after", r.json()["message"])
        self.assertLess(time.monotonic() - t, 30)


@skip_without_moto
class AwsOnboarding(MotoCase):
    """An OpenSSH public key imported through REST becomes EC2's
    (ImportKeyPair), and 'spctl cloud add' registers an account in one
    command, pointed at moto by the Endpoint credential key."""

    @unittest.skipUnless(shutil.which("ssh-keygen"), "needs ssh-keygen")
    def test_keypair_import(self):
        add_aws_connection(self.d, "aws-imp", "us-east-1", self.moto.url)
        ec2 = self.moto.ec2("us-east-1")
        C = {"ConnectionName": "aws-imp"}
        with tempfile.TemporaryDirectory() as tmp:
            for kind, args in (("ed25519", ["-t", "ed25519"]),
                               ("rsa", ["-t", "rsa", "-b", "2048"])):
                path = os.path.join(tmp, kind)
                subprocess.run(["ssh-keygen", "-q", "-N", "", "-C", kind + "@test",
                                "-f", path, *args], check=True)
                with open(path + ".pub") as f:
                    line = f.read()
                name = "imp-" + kind
                info = self.ok(self.d.post("/spider/keypair", dict(C, ReqInfo={
                    "Name": name, "PublicKey": line})))
                self.assertNotIn("PrivateKey", info)
                self.assertEqual(info["PublicKey"], line.strip())
                key = ec2.describe_key_pairs(KeyNames=[info["IId"]["SystemId"]],
                                             IncludePublicKey=True)["KeyPairs"][0]
                self.assertEqual(key["KeyFingerprint"], info["Fingerprint"])
                self.assertEqual(key["KeyType"], kind)
                self.assertEqual(key["PublicKey"].split()[:2], line.split()[:2])
                got = self.ok(self.d.get(f"/spider/keypair/{name}?ConnectionName=aws-imp"))
                self.assertEqual(got["Fingerprint"], info["Fingerprint"])
                self.assertEqual(self.d.post("/spider/keypair", dict(C, ReqInfo={
                    "Name": name, "PublicKey": line})).status, 409)
                self.ok(self.d.delete("/spider/keypair/" + name, C))
        self.assertEqual(ec2.describe_key_pairs()["KeyPairs"], [])
        calls = self.ok(self.d.get("/spider/callhistory?ConnectionName=aws-imp"))
        self.assertIn("ImportKeyPair", {c["CloudOSAPI"] for c in calls["callhistory"]})
        self.assertNotIn("CreateKeyPair", {c["CloudOSAPI"] for c in calls["callhistory"]})

    def test_cloud_add(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPIDER_")}
        env.update(SPIDER_SERVER=self.d.url, SPIDER_USERNAME=USER,
                   SPIDER_PASSWORD=PASSWORD)
        secrets = (f"ClientId={KEY_ID}\nClientSecret={SECRET}\n"
                   f"Endpoint={self.moto.url}\n")
        args = [SPCTL, "cloud", "add", "-P", "AWS", "--name", "moto",
                "--regions", "us-east-1,eu-west-1/eu-west-1b", "--kv-file", "-"]
        r = subprocess.run(args, input=secrets, capture_output=True, text=True,
                           env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r)
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        zone = self.moto.ec2("us-east-1").describe_availability_zones()[
            "AvailabilityZones"][0]["ZoneName"]
        self.assertEqual(r.stdout,
                         "CONNECTION      REGION     ZONE        CHECK  ERROR\n"
                         f"moto-us-east-1  us-east-1  {zone:<10}  ok     -\n"
                         "moto-eu-west-1  eu-west-1  eu-west-1b  ok     -\n")
        # the connections reach moto in their regions
        vpc = self.ok(self.d.post("/spider/vpc", {
            "ConnectionName": "moto-eu-west-1", "ReqInfo": {
                "Name": "onb-vpc", "IPv4_CIDR": "10.9.0.0/16",
                "SubnetInfoList": [{"Name": "onb-sub", "IPv4_CIDR": "10.9.1.0/24"}]}}))
        self.assertEqual(vpc["SubnetInfoList"][0]["Zone"], "eu-west-1b")
        ec2 = self.moto.ec2("eu-west-1")
        self.assertEqual(len(ec2.describe_vpcs(VpcIds=[vpc["IId"]["SystemId"]])["Vpcs"]), 1)
        self.ok(self.d.delete("/spider/vpc/onb-vpc", {"ConnectionName": "moto-eu-west-1"}))
        # again: the same table
        r2 = subprocess.run(args, input=secrets, capture_output=True, text=True,
                            env=env, timeout=120)
        self.assertEqual((r2.returncode, r2.stdout), (0, r.stdout), r2)
