#!/usr/bin/env python3
"""One item of a parallelMap: logs "start MS X" / "end MS X" to par.log, works 150 ms,
returns x * 10."""
import time
from common import log, now_ms, read_input, reply

x = read_input()["x"]
log("par.log", "start %d %s" % (now_ms(), x))
time.sleep(0.15)
log("par.log", "end %d %s" % (now_ms(), x))
reply(x * 10)
