"""Drives the master with Ganeti's own RAPI client (Debian's python3-ganeti-rapi) and prints
what it saw as JSON; test/master/ganeti-client.e2e-spec.ts checks the output."""
import json
import sys

from ganeti.rapi import client

port, password, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = client.GanetiRapiClient("127.0.0.1", port, username="nefos", password=password)
out = {}


def wait(job_id):
    ok = c.WaitForJobCompletion(job_id, period=0.2, retries=300)
    return c.GetJobStatus(job_id)["status"], ok


out["version"] = c.GetVersion()
out["features"] = c.GetFeatures()
out["info_name"] = c.GetInfo()["name"]
out["nodes"] = [n["name"] for n in c.GetNodes(bulk=True)]
job = c.CreateInstance(
    "create", name, "file", [{"size": 256}], [{"mode": "routed", "ip": "10.7.0.9"}],
    beparams={"vcpus": 1, "maxmem": 128, "minmem": 128},
    osparams={"img_id": "nefos-tiny", "img_format": "diskdump"},
    start=True, name_check=False, ip_check=False, reason="ganeti-client",
)
out["create_job_is_int"] = isinstance(job, int)
out["create"] = wait(job)
inst = c.GetInstance(name)
out["instance"] = {k: inst[k] for k in ("name", "status", "nic.ips", "disk.sizes", "oper_state")}
out["instances"] = c.GetInstances()
out["shutdown"] = wait(c.ShutdownInstance(name, timeout=5))
out["startup"] = wait(c.StartupInstance(name))
out["reboot"] = wait(c.RebootInstance(name, reboot_type="hard"))
out["tags"] = wait(c.AddInstanceTags(name, ["compat"]))
out["instance_tags"] = c.GetInstanceTags(name)
out["console_kind"] = c.GetInstanceConsole(name)["kind"]
changed = c.WaitForJobChange(job, ["status"], None, None)
out["wait_change"] = changed["job_info"]
out["remove"] = wait(c.DeleteInstance(name))
try:
    c.GetInstance(name)
    out["after_remove"] = "found"
except client.GanetiApiError as err:
    out["after_remove"] = err.code
print(json.dumps(out))
