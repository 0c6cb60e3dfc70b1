"""Shared set-up for the AWS driver's tests: a moto_server (a real EC2
implementation, peers/README.md) on a free loopback port, stopped by the
test; AWS connections in spiderd pointing at it through the Endpoint key;
direct EC2 calls with boto3 for objects made outside Spider."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

INSTALL_HINT = ("moto_server is missing: install it with "
                "pip install 'moto[server]' (and boto3)")
KEY_ID = "AKIDSPIDERTEST0000"
SECRET = "spider-test-secret-key"


def moto_available():
    if not shutil.which("moto_server"):
        return False
    try:
        import boto3  # noqa: F401
    except ImportError:
        return False
    return True


def skip_without_moto(cls):
    return unittest.skipUnless(moto_available(), INSTALL_HINT)(cls)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto_server on 127.0.0.1:<free port>; stop() ends it."""

    def __init__(self):
        self.port = None
        self.proc = None
        self.url = None
        self.log = tempfile.TemporaryFile()

    def start(self, timeout=30):
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                ["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=self.log, stderr=subprocess.STDOUT,
                start_new_session=True)
            self.url = f"http://127.0.0.1:{self.port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    urllib.request.urlopen(self.url + "/moto-api/", timeout=2)
                    return self
                except OSError:
                    time.sleep(0.1)
            self.stop()
        raise RuntimeError("moto_server did not start")

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset",
                                     method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def ec2(self, region):
        """A boto3 EC2 client for region, straight to moto."""
        import boto3
        return boto3.client("ec2", region_name=region, endpoint_url=self.url,
                            aws_access_key_id=KEY_ID,
                            aws_secret_access_key=SECRET)


def add_aws_connection(d, name, region, endpoint, zone=None, alias=False,
                       endpoint_on_region=True):
    """Register an AWS driver, credential, region and config in spiderd.
    alias: give the keys by their AWS names (aws_access_key_id, ...)."""
    r = d.post("/spider/driver", {
        "DriverName": "aws-driver01", "ProviderName": "AWS",
        "DriverLibFileName": "aws.so"})
    assert r.status == 200, r
    kv = [{"Key": "aws_access_key_id" if alias else "ClientId",
           "Value": KEY_ID},
          {"Key": "aws_secret_access_key" if alias else "ClientSecret",
           "Value": SECRET}]
    rkv = [{"Key": "Region", "Value": region}]
    if zone:
        rkv.append({"Key": "Zone", "Value": zone})
    if endpoint:
        (rkv if endpoint_on_region else kv).append(
            {"Key": "Endpoint", "Value": endpoint})
    r = d.post("/spider/credential", {
        "CredentialName": name + "-cred", "ProviderName": "AWS",
        "KeyValueInfoList": kv})
    assert r.status == 200, r
    r = d.post("/spider/region", {
        "RegionName": name + "-region", "ProviderName": "AWS",
        "KeyValueInfoList": rkv})
    assert r.status == 200, r
    r = d.post("/spider/connectionconfig", {
        "ConfigName": name, "ProviderName": "AWS",
        "DriverName": "aws-driver01", "CredentialName": name + "-cred",
        "RegionName": name + "-region"})
    assert r.status == 200, r
    return name


def moto_image(ec2):
    """An x86_64 Amazon-owned machine image moto offers."""
    imgs = ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "architecture", "Values": ["x86_64"]},
        {"Name": "image-type", "Values": ["machine"]}])["Images"]
    imgs.sort(key=lambda i: i["ImageId"])
    return imgs[0]["ImageId"]
