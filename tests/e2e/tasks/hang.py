#!/usr/bin/env python3
"""Never answers: writes its pid to TAG.pid and a grandchild's pid (a `sleep` it started,
in the same process group) to TAG.child.pid, then sleeps. Used to prove that timeouts,
cancels and finished runs kill the whole process group."""
import os
import subprocess
import time
from common import e2e_dir, read_input

args = read_input()
tag = args["tag"]
child = subprocess.Popen(["sleep", "300"])
for name, pid in (("%s.child.pid" % tag, child.pid), ("%s.pid" % tag, os.getpid())):
    tmp = os.path.join(e2e_dir(), name + ".tmp")
    with open(tmp, "w") as f:
        f.write(str(pid))
    os.rename(tmp, os.path.join(e2e_dir(), name))
time.sleep(300)
